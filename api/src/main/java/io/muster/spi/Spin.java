package io.muster.spi;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long a waiting thread spins before it parks. Spinning saves the wake-up of a parked thread,
 * but only pays while spinning threads do not outnumber the cores, so at most one spinner per core
 * is allowed in this JVM and the others park at once. Set {@code -Dmuster.spin=0} to never spin.
 */
final class Spin {
  private static final int CORES = Runtime.getRuntime().availableProcessors();
  private static final long NANOS = configuredNanos();
  private static final AtomicInteger SPINNING = new AtomicInteger();

  private Spin() {}

  private static long configuredNanos() {
    String s = System.getProperty("muster.spin");
    if (s == null || s.isBlank()) {
      return 50_000;
    }
    if (s.equals("0")) {
      return 0;
    }
    return Durations.parse(s).toNanos();
  }

  /** Reserves a spinning slot; returns the spin budget in nanoseconds, or 0 for "park now". */
  static long tryStart() {
    if (NANOS == 0) {
      return 0;
    }
    int n;
    do {
      n = SPINNING.get();
      if (n >= CORES) {
        return 0;
      }
    } while (!SPINNING.compareAndSet(n, n + 1));
    return NANOS;
  }

  static void stop() {
    SPINNING.decrementAndGet();
  }
}
