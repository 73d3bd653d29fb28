package io.muster.communicator.internal.cuda;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.communicator.DeviceMemory;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/** Device memory from {@code cuMemAlloc}, freed once by {@link #close()}. */
public final class DeviceAllocation implements DeviceMemory {
  private final CudaDriver driver;
  private final int device;
  private final long address;
  private final long size;
  private final AtomicBoolean freed = new AtomicBoolean();

  private DeviceAllocation(CudaDriver driver, int device, long address, long size) {
    this.driver = driver;
    this.device = device;
    this.address = address;
    this.size = size;
  }

  public static DeviceAllocation allocate(CudaDriver driver, int device, long bytes) {
    return new DeviceAllocation(driver, device, driver.allocate(device, bytes), bytes);
  }

  public CudaDriver driver() {
    return driver;
  }

  @Override
  public int device() {
    return device;
  }

  @Override
  public long address() {
    checkLive();
    return address;
  }

  @Override
  public long size() {
    return size;
  }

  /** The handle a process of this node opens the allocation with. */
  public byte[] ipcHandle() {
    checkLive();
    return driver.ipcHandle(device, address);
  }

  @Override
  public void copyFromHost(long offset, ByteBuffer src) {
    Objects.requireNonNull(src, "src");
    check(offset, src.remaining());
    ByteBuffer direct = src;
    if (!src.isDirect()) {
      direct = ByteBuffer.allocateDirect(src.remaining());
      direct.put(src.duplicate()).flip();
    }
    driver.copyHostToDevice(device, address + offset, direct);
    src.position(src.limit());
  }

  @Override
  public void copyToHost(long offset, ByteBuffer dst) {
    Objects.requireNonNull(dst, "dst");
    check(offset, dst.remaining());
    if (dst.isDirect()) {
      driver.copyDeviceToHost(device, dst, address + offset);
      dst.position(dst.limit());
    } else {
      ByteBuffer direct = ByteBuffer.allocateDirect(dst.remaining());
      driver.copyDeviceToHost(device, direct, address + offset);
      dst.put(direct);
    }
  }

  private void check(long offset, long length) {
    checkLive();
    if (offset < 0 || offset > size - length) {
      throw new IndexOutOfBoundsException(
          length
              + " bytes at offset "
              + offset
              + " run outside the "
              + size
              + "-byte device memory");
    }
  }

  private void checkLive() {
    if (freed.get()) {
      throw new BootstrapException(Code.CLOSED, "this device memory has been freed");
    }
  }

  @Override
  public void close() {
    if (freed.compareAndSet(false, true)) {
      driver.free(device, address);
    }
  }

  @Override
  public String toString() {
    return "DeviceMemory[device " + device + ", " + size + " bytes]";
  }
}
