package io.muster.cli.bench.report;

import java.util.ArrayList;
import java.util.List;

/** Maps values onto pixels, linearly or logarithmically, with tick values people can read. */
final class Axis {
  private final double min;
  private final double max;
  private final double from;
  private final double to;
  private final boolean log;
  private final List<Double> ticks;

  private Axis(double min, double max, double from, double to, boolean log, List<Double> ticks) {
    this.min = min;
    this.max = max;
    this.from = from;
    this.to = to;
    this.log = log;
    this.ticks = ticks;
  }

  /**
   * An axis over the data range {@code [lo, hi]} drawn from pixel {@code from} to {@code to}.
   *
   * @param log logarithmic (for times that span decades); needs positive values
   * @param zero start a linear axis at zero
   */
  static Axis of(double lo, double hi, double from, double to, boolean log, boolean zero) {
    return of(lo, hi, from, to, log, zero, false);
  }

  /** As above; {@code binary} steps a linear axis in powers of 1024 (bytes: 256 KiB, 1 MiB). */
  static Axis of(
      double lo, double hi, double from, double to, boolean log, boolean zero, boolean binary) {
    if (!(lo <= hi) || Double.isInfinite(lo) || Double.isInfinite(hi)) {
      lo = log ? 1 : 0;
      hi = log ? 10 : 1;
    }
    if (log) {
      lo = Math.max(lo, 1e-9);
      hi = Math.max(hi, lo);
      double a = lo / 1.25;
      double b = hi * 1.25;
      if (b / a < 3) {
        double mid = Math.sqrt(a * b);
        a = mid / 2;
        b = mid * 2;
      }
      return new Axis(a, b, from, to, true, logTicks(a, b));
    }
    if (zero) {
      lo = Math.min(0, lo);
    }
    if (hi == lo) {
      hi = lo == 0 ? 1 : lo + Math.abs(lo);
    }
    double unit = 1;
    while (binary && hi / (unit * 1024) >= 1) {
      unit *= 1024;
    }
    double step = niceStep((hi - lo) / 5 / unit) * unit;
    double a = Math.floor(lo / step) * step;
    double b = Math.ceil(hi / step) * step;
    List<Double> t = new ArrayList<>();
    for (double v = a; v <= b + step / 2; v += step) {
      t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return new Axis(a, b, from, to, false, t);
  }

  /** An axis with the given tick values (ranks on a log-2 scale, say). */
  static Axis withTicks(List<Double> values, double from, double to, boolean log) {
    double lo = values.stream().mapToDouble(Double::doubleValue).min().orElse(1);
    double hi = values.stream().mapToDouble(Double::doubleValue).max().orElse(2);
    if (hi <= lo) {
      lo = log ? lo / 2 : lo - 1;
      hi = log ? hi * 2 : hi + 1;
    }
    double pad = log ? Math.pow(hi / lo, 0.06) : (hi - lo) * 0.06;
    double a = log ? lo / pad : lo - pad;
    double b = log ? hi * pad : hi + pad;
    return new Axis(a, b, from, to, log, List.copyOf(values));
  }

  double map(double v) {
    double f = log ? Math.log(v / min) / Math.log(max / min) : (v - min) / (max - min);
    return from + f * (to - from);
  }

  boolean contains(double v) {
    return v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  }

  List<Double> ticks() {
    return ticks;
  }

  double min() {
    return min;
  }

  double max() {
    return max;
  }

  private static double niceStep(double raw) {
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  /** 1-2-5 ticks, or denser ones when the range is short: at least three where possible. */
  private static List<Double> logTicks(double a, double b) {
    double[][] sets = {{1}, {1, 2, 5}, {1, 2, 3, 5, 7}, {1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9}};
    List<Double> t = List.of();
    for (double[] mantissas : sets) {
      t = new ArrayList<>();
      for (int d = (int) Math.floor(Math.log10(a)); d <= (int) Math.ceil(Math.log10(b)); d++) {
        for (double m : mantissas) {
          double v = m * Math.pow(10, d);
          if (v >= a && v <= b) {
            t.add(v);
          }
        }
      }
      if (t.size() >= 3) {
        return t;
      }
    }
    return t.isEmpty() ? List.of(a, b) : t;
  }
}
