package io.muster.communicator.internal.shm;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.communicator.Semaphore;
import io.muster.communicator.Transport;
import io.muster.communicator.internal.AbstractConnection;
import io.muster.communicator.internal.Context;
import io.muster.communicator.internal.CountingSemaphore;
import io.muster.communicator.internal.Host;
import java.util.List;

/**
 * A connection between two processes of one machine (shared memory, CUDA IPC): each side has mapped
 * the other's control block, whose counters are the semaphores and whose header says when the peer
 * closed. A peer that dies without closing is noticed by its process id.
 */
public abstract class SameHostConnection extends AbstractConnection {
  private static final long PID_CHECK_NANOS = 100_000_000L;
  private static final long MAX_PARK_NANOS = 100_000L;

  private final ControlBlock local;
  private final ControlBlock remote;
  private final long remotePid;
  private volatile long nextPidCheck = System.nanoTime() + PID_CHECK_NANOS;
  private volatile BootstrapException lost;

  protected SameHostConnection(
      Context context,
      Transport transport,
      int remoteRank,
      int tag,
      long pairId,
      ControlBlock local,
      ControlBlock remote,
      long remotePid) {
    super(context, transport, remoteRank, tag, pairId);
    this.local = local;
    this.remote = remote;
    this.remotePid = remotePid;
  }

  @Override
  public BootstrapException failure() {
    BootstrapException f = context.closedError();
    if (f != null) {
      return f;
    }
    f = lost;
    if (f != null) {
      return f;
    }
    if (remote.isClosed()) {
      return lost =
          new BootstrapException(
              Code.PEER_LOST,
              "rank " + remoteRank + " has closed its communicator",
              List.of(remoteRank));
    }
    long now = System.nanoTime();
    if (now - nextPidCheck >= 0) {
      nextPidCheck = now + PID_CHECK_NANOS;
      if (!Host.isAlive(remotePid)) {
        return lost =
            new BootstrapException(
                Code.PEER_LOST,
                "rank " + remoteRank + " (process " + remotePid + ") has died",
                List.of(remoteRank));
      }
    }
    return null;
  }

  /** Runs before a signal is counted, so the writes before it are complete (CUDA copies). */
  protected void beforeSignal() {}

  @Override
  public SemaphoreSetup semaphore() {
    int slot = local.allocateSlot();
    return new SemaphoreSetup() {
      @Override
      public int localIndex() {
        return slot;
      }

      @Override
      public Semaphore complete(int remoteIndex) {
        if (!ControlBlock.isSlot(remoteIndex)) {
          throw new BootstrapException(
              Code.PROTOCOL,
              "rank " + remoteRank + " named semaphore counter " + remoteIndex + ", which is none",
              List.of(remoteRank));
        }
        return new CountingSemaphore(
            SameHostConnection.this,
            () -> local.count(slot),
            () -> {
              beforeSignal();
              remote.increment(remoteIndex);
            },
            MAX_PARK_NANOS);
      }
    };
  }

  @Override
  protected void close() {
    // The control blocks go with the communicator's files; nothing of the connection's own.
  }
}
