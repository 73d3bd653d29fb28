package io.muster.communicator.internal.cuda;

import io.muster.communicator.Endpoint;
import io.muster.communicator.Transport;
import io.muster.communicator.internal.AbstractConnection;
import io.muster.communicator.internal.Context;
import io.muster.communicator.internal.EndpointDescriptor;
import io.muster.communicator.internal.Host;
import io.muster.communicator.internal.PendingConnection;
import io.muster.communicator.internal.shm.ControlBlock;

/** Sets up CUDA IPC connections: like shared memory, plus the GPU each side works on. */
public final class CudaTransport {
  private CudaTransport() {}

  public static PendingConnection prepare(
      Context context, CudaDriver driver, Endpoint endpoint, int remoteRank, int tag, long nonce) {
    int device = endpoint.device();
    driver.synchronize(device); // fails now, clearly, for a device this machine lacks
    ControlBlock control = context.control();
    EndpointDescriptor local =
        new EndpointDescriptor(
            context.rank(),
            Transport.CUDA_IPC,
            Host.id(),
            Host.pid(),
            nonce,
            control.path(),
            device,
            null,
            0,
            null);
    return new PendingConnection() {
      @Override
      public EndpointDescriptor local() {
        return local;
      }

      @Override
      public AbstractConnection complete(EndpointDescriptor remote) {
        ControlBlock peer = ControlBlock.open(context.files(), remote.controlPath(), remoteRank);
        return new CudaConnection(
            context,
            driver,
            device,
            remoteRank,
            tag,
            Context.pairId(local, remote),
            control,
            peer,
            remote.pid());
      }

      @Override
      public void abandon() {}
    };
  }
}
