package io.muster.communicator.internal.cuda;

import io.muster.communicator.Transport;
import io.muster.communicator.internal.Context;
import io.muster.communicator.internal.Memory;
import io.muster.communicator.internal.shm.ControlBlock;
import io.muster.communicator.internal.shm.SameHostConnection;

/**
 * CUDA IPC: a write is a {@code cuMemcpyDtoD} into the peer's allocation, opened here; semaphores
 * live in host shared memory, and a signal first waits for the copies before it.
 */
final class CudaConnection extends SameHostConnection {
  private final CudaDriver driver;
  private final int device;

  CudaConnection(
      Context context,
      CudaDriver driver,
      int device,
      int remoteRank,
      int tag,
      long pairId,
      ControlBlock local,
      ControlBlock remote,
      long remotePid) {
    super(context, Transport.CUDA_IPC, remoteRank, tag, pairId, local, remote, remotePid);
    this.driver = driver;
    this.device = device;
  }

  @Override
  protected void doWrite(Memory dst, long dstOffset, Memory src, long srcOffset, long n) {
    if (src.device() == null) {
      throw new IllegalArgumentException(
          "src " + src + " is host memory; CUDA_IPC writes device memory");
    }
    long target = context.ipc(driver).address(dst.descriptor(), device);
    driver.copyDeviceToDevice(device, target + dstOffset, src.device().address() + srcOffset, n);
  }

  @Override
  public void flush() {
    driver.synchronize(device);
    var f = failure();
    if (f != null) {
      throw failed(f, "flush");
    }
  }

  @Override
  protected void beforeSignal() {
    driver.synchronize(device);
  }
}
