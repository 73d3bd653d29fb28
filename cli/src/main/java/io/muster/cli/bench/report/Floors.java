package io.muster.cli.bench.report;

import java.util.Optional;

/**
 * What each figure is divided by to compare it across runs: the floor measured in the same run.
 * Times divide by the spinning floor's round trip of the smallest message (the targets' "spinning
 * floor"); ping-pongs of larger messages by the faster floor's round trip of that size, and
 * throughput by the better floor's throughput.
 */
public final class Floors {
  private Floors() {}

  /** The floor figure {@code s} is compared with, if the run measured one. */
  public static Optional<Double> reference(BenchResult r, Series s) {
    if (Metrics.isFloor(s.backend()) || !s.unit().equals("ns") && !s.unit().equals("B/s")) {
      return Optional.empty();
    }
    if (s.metric().startsWith("throughput.")) {
      double best =
          Math.max(
              r.floor(Metrics.FLOOR_SPINNING, s.metric()).map(Series::median).orElse(Double.NaN),
              r.floor(Metrics.FLOOR_BLOCKING, s.metric()).map(Series::median).orElse(Double.NaN));
      return Double.isNaN(best) ? Optional.empty() : Optional.of(best);
    }
    String small = smallestPingPong(r);
    if (s.metric().startsWith("pingpong.") && !s.metric().equals(small)) {
      // Large messages: spinning buys nothing there, so the reference is the faster floor.
      double best =
          Math.min(
              r.floor(Metrics.FLOOR_SPINNING, s.metric()).map(Series::median).orElse(Double.NaN),
              r.floor(Metrics.FLOOR_BLOCKING, s.metric()).map(Series::median).orElse(Double.NaN));
      return Double.isNaN(best) ? Optional.empty() : Optional.of(best);
    }
    if (small == null) {
      return Optional.empty();
    }
    return r.floor(Metrics.FLOOR_SPINNING, small).map(Series::median);
  }

  /**
   * {@code s}'s median over its floor reference (for throughput: how much of the floor it gets).
   */
  public static double ratio(BenchResult r, Series s) {
    return reference(r, s).map(f -> s.median() / f).orElse(Double.NaN);
  }

  /**
   * The spinning floor's round trip for the smallest message measured, e.g. {@code pingpong.64B}.
   */
  public static String smallestPingPong(BenchResult r) {
    String best = null;
    double bestBytes = Double.MAX_VALUE;
    for (Series s : r.series()) {
      if (s.backend().equals(Metrics.FLOOR_SPINNING) && s.metric().startsWith("pingpong.")) {
        double b = bytes(s.metric().substring("pingpong.".length()));
        if (b < bestBytes) {
          bestBytes = b;
          best = s.metric();
        }
      }
    }
    return best;
  }

  /** {@code 64B} → 64, {@code 1MiB} → 1048576. */
  static double bytes(String size) {
    String[][] units = {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"}, {"B", "1"}};
    for (String[] u : units) {
      if (size.endsWith(u[0])) {
        try {
          return Double.parseDouble(size.substring(0, size.length() - u[0].length()))
              * Double.parseDouble(u[1]);
        } catch (NumberFormatException e) {
          return Double.NaN;
        }
      }
    }
    return Double.NaN;
  }
}
