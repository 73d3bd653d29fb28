package io.muster.mpi.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a group's messages while nobody else does: receivers that have stopped spinning and parked
 * rely on it, as do sends that need MPI's progress to finish and roll-call questions from other
 * ranks. Between empty polls it sleeps, longer and longer up to {@link Backoff#MAX_PAUSE_NANOS}, so
 * an idle group costs next to nothing; a receiver that parks wakes it.
 */
final class ProgressThread implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ProgressThread.class);
  private static final long FIRST_PAUSE_NANOS = 10_000;
  private static final long URGENT_PAUSE_NANOS = 50_000;
  private static final long URGENT_NANOS = 20_000_000;

  private final MpiMessages messages;
  private final Thread thread;
  private volatile boolean stopping;
  private volatile boolean woken;

  ProgressThread(MpiMessages messages, String name) {
    this.messages = messages;
    this.thread = new Thread(this, name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Polls at a fast pace again: someone now waits for a message. */
  void wake() {
    woken = true;
    LockSupport.unpark(thread);
  }

  @Override
  public void run() {
    long pause = FIRST_PAUSE_NANOS;
    long urgentUntil = System.nanoTime();
    while (!stopping) {
      boolean any;
      try {
        any = messages.progress();
      } catch (RuntimeException e) {
        log.warn("{}: MPI failed; messages of this group stop here", thread.getName(), e);
        return;
      }
      long now = System.nanoTime();
      if (woken) {
        woken = false;
        urgentUntil = now + URGENT_NANOS;
        pause = FIRST_PAUSE_NANOS;
      }
      if (any) {
        pause = FIRST_PAUSE_NANOS;
        continue;
      }
      LockSupport.parkNanos(this, pause);
      long cap = now - urgentUntil < 0 ? URGENT_PAUSE_NANOS : Backoff.MAX_PAUSE_NANOS;
      pause = Math.min(pause * 2, cap);
    }
  }

  /** Stops the thread and waits for it, up to {@code nanos}. */
  void stop(long nanos) {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.warn("{} did not stop within {} ms", thread.getName(), nanos / 1_000_000);
    }
  }
}
