package io.muster.communicator.internal.shm;

import io.muster.communicator.Transport;
import io.muster.communicator.internal.AbstractConnection;
import io.muster.communicator.internal.Context;
import io.muster.communicator.internal.EndpointDescriptor;
import io.muster.communicator.internal.Host;
import io.muster.communicator.internal.PendingConnection;

/** Sets up shared-memory connections: each side sends its control block's path. */
public final class ShmTransport {
  private ShmTransport() {}

  public static PendingConnection prepare(Context context, int remoteRank, int tag, long nonce) {
    ControlBlock control = context.control();
    EndpointDescriptor local =
        new EndpointDescriptor(
            context.rank(),
            Transport.SHARED_MEMORY,
            Host.id(),
            Host.pid(),
            nonce,
            control.path(),
            -1,
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
        return new ShmConnection(
            context, remoteRank, tag, Context.pairId(local, remote), control, peer, remote.pid());
      }

      @Override
      public void abandon() {}
    };
  }
}
