package io.muster.cli.bench.report;

import java.util.Locale;

/** Numbers for people: times in the unit that keeps three digits, sizes and rates. */
public final class Units {
  private Units() {}

  /** {@code 64B}, {@code 1KiB}, {@code 64MiB}: exact binary units only, else bytes. */
  public static String size(long bytes) {
    if (bytes >= 1 << 30 && bytes % (1 << 30) == 0) {
      return (bytes >> 30) + "GiB";
    }
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + "MiB";
    }
    if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
      return (bytes >> 10) + "KiB";
    }
    return bytes + "B";
  }

  /** A value of {@code unit} for a terminal: {@code 12.3us}, {@code 3.30 GB/s}. */
  public static String format(double value, String unit) {
    return format(value, unit, "us");
  }

  /** A value of {@code unit} for HTML, with a real micro sign. */
  public static String html(double value, String unit) {
    return format(value, unit, "µs");
  }

  private static String format(double v, String unit, String micro) {
    if (Double.isNaN(v)) {
      return "-";
    }
    switch (unit) {
      case "ns":
        return time(v, micro);
      case "B/s":
        return rate(v);
      case "bytes":
        return bytes(v);
      default:
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
  }

  static String time(double nanos, String micro) {
    double a = Math.abs(nanos);
    if (a < 1e3) {
      return String.format(Locale.ROOT, "%.0fns", nanos);
    }
    if (a < 1e6) {
      return String.format(Locale.ROOT, a < 1e4 ? "%.2f%s" : "%.1f%s", nanos / 1e3, micro);
    }
    if (a < 1e9) {
      return String.format(Locale.ROOT, a < 1e7 ? "%.2fms" : "%.1fms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2fs", nanos / 1e9);
  }

  /** Decimal units, as network figures are usually quoted ({@code 3.3 GB/s}). */
  static String rate(double bytesPerSecond) {
    if (bytesPerSecond >= 1e9) {
      return String.format(Locale.ROOT, "%.2f GB/s", bytesPerSecond / 1e9);
    }
    if (bytesPerSecond >= 10e6) {
      return String.format(Locale.ROOT, "%.0f MB/s", bytesPerSecond / 1e6);
    }
    if (bytesPerSecond >= 1e6) {
      return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }
    return String.format(Locale.ROOT, "%.0f kB/s", bytesPerSecond / 1e3);
  }

  static String bytes(double b) {
    if (b >= 1 << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", b / (1 << 20));
    }
    if (b >= 1 << 10) {
      return String.format(Locale.ROOT, "%.1f KiB", b / (1 << 10));
    }
    return String.format(Locale.ROOT, "%.0f B", b);
  }

  /** A ratio, such as {@code 1.42x}. */
  public static String ratio(double r) {
    if (Double.isNaN(r) || Double.isInfinite(r)) {
      return "-";
    }
    return String.format(Locale.ROOT, r < 10 ? "%.2fx" : "%.0fx", r);
  }
}
