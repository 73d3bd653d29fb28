package io.muster.communicator.internal.shm;

import io.muster.communicator.Transport;
import io.muster.communicator.internal.Context;
import io.muster.communicator.internal.Memory;
import io.muster.communicator.internal.MemoryDescriptor;
import java.nio.ByteBuffer;

/** Shared host memory: a write copies straight into the peer's mapped file. */
final class ShmConnection extends SameHostConnection {
  ShmConnection(
      Context context,
      int remoteRank,
      int tag,
      long pairId,
      ControlBlock local,
      ControlBlock remote,
      long remotePid) {
    super(context, Transport.SHARED_MEMORY, remoteRank, tag, pairId, local, remote, remotePid);
  }

  @Override
  protected void doWrite(Memory dst, long dstOffset, Memory src, long srcOffset, long n) {
    if (src.host() == null) {
      throw new IllegalArgumentException(
          "src " + src + " is device memory; SHARED_MEMORY writes host memory");
    }
    MemoryDescriptor d = dst.descriptor();
    ByteBuffer target = context.files().map(d.shmPath(), d.shmOffset(), d.size(), d.rank());
    target.put((int) dstOffset, src.host(), (int) srcOffset, (int) n);
  }

  @Override
  public void flush() {
    // A write is a copy that is complete when it returns.
    java.lang.invoke.VarHandle.fullFence();
    var f = failure();
    if (f != null) {
      throw failed(f, "flush");
    }
  }
}
