package io.muster.spi;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.time.Duration;
import java.util.List;

/**
 * A timeout turned once into a point in time, passed down so every step of an operation spends what
 * is left rather than restarting the clock.
 */
public final class Deadline {
  private final long startNanos;
  private final long endNanos;
  private final Duration timeout;
  private final String operation;

  private Deadline(long startNanos, Duration timeout, String operation) {
    this.startNanos = startNanos;
    this.timeout = timeout;
    this.operation = operation;
    long nanos;
    try {
      nanos = timeout.toNanos();
    } catch (ArithmeticException e) {
      nanos = Long.MAX_VALUE / 4;
    }
    this.endNanos = startNanos + Math.min(nanos, Long.MAX_VALUE / 4);
  }

  /** A deadline {@code timeout} from now, for the named operation (used in messages). */
  public static Deadline after(Duration timeout, String operation) {
    return new Deadline(System.nanoTime(), timeout, operation);
  }

  /** Nanoseconds left; zero or negative once expired. */
  public long nanosLeft() {
    return endNanos - System.nanoTime();
  }

  public boolean expired() {
    return nanosLeft() <= 0;
  }

  /** The value of {@link System#nanoTime()} at which it expires. */
  public long endNanos() {
    return endNanos;
  }

  public Duration timeout() {
    return timeout;
  }

  /** Time since the deadline was set. */
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** The operation, as shown in messages: {@code barrier}, {@code recv from rank 3 (tag 7)}. */
  public String operation() {
    return operation;
  }

  /**
   * The exception for this deadline's expiry: {@code timed out after 30s in barrier waiting for
   * ranks [3, 7] of 8}, followed by {@code hint}.
   */
  public BootstrapException timeoutError(List<Integer> waitingFor, int size, String hint) {
    StringBuilder m =
        new StringBuilder("timed out after ")
            .append(Durations.format(timeout))
            .append(" in ")
            .append(operation);
    if (!waitingFor.isEmpty()) {
      m.append(" waiting for ")
          .append(waitingFor.size() == 1 ? "rank " + waitingFor.get(0) : "ranks " + waitingFor);
      if (size > 0) {
        m.append(" of ").append(size);
      }
    }
    if (hint != null && !hint.isEmpty()) {
      m.append(": ").append(hint);
    }
    return new BootstrapException(Code.TIMEOUT, m.toString(), waitingFor);
  }
}
