package io.muster.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in URIs ({@code 250ms}, {@code 30s}, {@code 5m}) and messages. */
public final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ns|us|ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d} (also {@code ns} and
   * {@code us}) or ISO-8601 ({@code PT30S}).
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static Duration parse(String text) {
    String s = text.trim();
    Matcher m = SIMPLE.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ns":
          return Duration.ofNanos(n);
        case "us":
          return Duration.ofNanos(Math.multiplyExact(n, 1000L));
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          return Duration.ofDays(n);
      }
    }
    if (s.startsWith("P") || s.startsWith("p")) {
      try {
        return Duration.parse(s);
      } catch (DateTimeParseException e) {
        // fall through to the common message
      }
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a duration; write a whole number and a unit: 250ms, 30s, 5m, 2h");
  }

  /** A short human form: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1m30s}, {@code 12us}. */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 1_000_000L != 0) {
      return nanos % 1000 == 0 ? nanos / 1000 + "us" : nanos + "ns";
    }
    long ms = nanos / 1_000_000L;
    if (ms % 1000 != 0) {
      return ms > 1000 ? String.format("%.3fs", ms / 1000.0) : ms + "ms";
    }
    long s = ms / 1000;
    if (s == 0) {
      return "0s";
    }
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s >= 60) {
      return s % 60 == 0 ? s / 60 + "m" : s / 60 + "m" + s % 60 + "s";
    }
    return s + "s";
  }
}
