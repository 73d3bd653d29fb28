package io.muster.mpi.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * How a thread waits for MPI, which has no way to block until something happens that can also be
 * bounded in time: it polls. First it spins, since a collective among ranks that are all there
 * completes in microseconds (Open MPI yields the core inside its progress loop when the node is
 * oversubscribed); then it sleeps between polls, longer and longer up to {@link #MAX_PAUSE_NANOS},
 * so a rank that waits minutes for a straggler does not burn a core.
 */
final class Backoff {
  static final long MAX_PAUSE_NANOS = 1_000_000;
  private static final long FIRST_PAUSE_NANOS = 20_000;

  private final long spinUntil;
  private long pause = FIRST_PAUSE_NANOS;

  /**
   * @param spinNanos how long to poll without sleeping
   */
  Backoff(long spinNanos) {
    this.spinUntil = System.nanoTime() + spinNanos;
  }

  /** Waits a little before the next poll, at most {@code nanosLeft}. */
  void pause(long nanosLeft) {
    if (System.nanoTime() - spinUntil < 0) {
      Thread.onSpinWait();
      return;
    }
    LockSupport.parkNanos(this, Math.max(1, Math.min(pause, nanosLeft)));
    pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
  }
}
