package io.muster.communicator.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.communicator.Connection;
import io.muster.communicator.Semaphore;
import io.muster.spi.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A semaphore over any transport: the transport counts the signals that arrived ({@code received})
 * and sends this side's signals ({@code send}); this class counts the signals taken, so each signal
 * releases exactly one wait, and waits by spinning, then yielding, then parking. Transports that
 * learn of an arrival in a thread of their own (TCP) {@link #wake()} the waiters; the others
 * (shared memory, written by another process) are polled.
 */
public final class CountingSemaphore implements Semaphore {
  private static final int SPINS = 4_000;
  private static final int YIELDS = 200;
  private static final long MIN_PARK_NANOS = 1_000;

  private final AbstractConnection connection;
  private final LongSupplier received;
  private final Runnable send;
  private final long maxParkNanos;
  private final AtomicLong taken = new AtomicLong();
  private final Set<Thread> waiters = ConcurrentHashMap.newKeySet();

  /**
   * @param maxParkNanos the longest a waiter sleeps between two looks: short where nothing wakes it
   *     (shared memory), longer where the transport calls {@link #wake()}
   */
  public CountingSemaphore(
      AbstractConnection connection, LongSupplier received, Runnable send, long maxParkNanos) {
    this.connection = connection;
    this.received = received;
    this.send = send;
    this.maxParkNanos = maxParkNanos;
  }

  @Override
  public Connection connection() {
    return connection;
  }

  @Override
  public void signal() {
    BootstrapException f = connection.failure();
    if (f != null) {
      throw connection.failed(f, "signal");
    }
    send.run();
  }

  @Override
  public void wait(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout " + timeout);
    }
    long start = System.nanoTime();
    long limit = saturatedNanos(timeout);
    long park = MIN_PARK_NANOS;
    Thread me = Thread.currentThread();
    for (int round = 0; ; round++) {
      long t = taken.get();
      if (received.getAsLong() > t) {
        if (taken.compareAndSet(t, t + 1)) {
          return;
        }
        continue;
      }
      if (round < SPINS && (round & 63) != 0) {
        Thread.onSpinWait();
        continue;
      }
      BootstrapException f = connection.failure();
      if (f != null) {
        throw connection.failed(f, "wait for a signal");
      }
      long left = limit - (System.nanoTime() - start);
      if (left <= 0) {
        throw timeout(timeout);
      }
      if (round < SPINS) {
        Thread.onSpinWait();
      } else if (round < SPINS + YIELDS) {
        Thread.yield();
      } else {
        waiters.add(me);
        try {
          if (received.getAsLong() <= taken.get()) {
            LockSupport.parkNanos(this, Math.min(park, left));
          }
        } finally {
          waiters.remove(me);
        }
        park = Math.min(park * 2, maxParkNanos);
        if (Thread.interrupted()) {
          me.interrupt();
          throw new BootstrapException(
              Code.CLOSED,
              "interrupted while waiting for a signal from rank "
                  + connection.remoteRank()
                  + " ("
                  + connection.describe()
                  + "); no signal was taken",
              List.of());
        }
      }
    }
  }

  /** Wakes the waiters to look again (a signal arrived, or the connection failed). */
  public void wake() {
    for (Thread t : waiters) {
      LockSupport.unpark(t);
    }
  }

  private BootstrapException timeout(Duration timeout) {
    long got = received.getAsLong();
    return new BootstrapException(
        Code.TIMEOUT,
        "timed out after "
            + Durations.format(timeout)
            + " waiting for a signal from rank "
            + connection.remoteRank()
            + " ("
            + connection.describe()
            + "): "
            + got
            + " signals arrived and all were taken; check that rank "
            + connection.remoteRank()
            + " signals as often as this rank waits",
        List.of(connection.remoteRank()));
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  @Override
  public String toString() {
    return "Semaphore[" + connection.describe() + "]";
  }
}
