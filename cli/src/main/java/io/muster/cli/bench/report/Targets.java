package io.muster.cli.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The speed targets of the project's bench issue, checked against a run: point-to-point and 2-rank
 * collectives against the spinning floor, 8-rank open and collectives against fixed bounds, and the
 * scale run (open + allGather + barrier, sockets per rank).
 */
public final class Targets {
  private static final double MS = 1e6;
  private static final double US = 1e3;

  /** Runs with groups at least this large are scale runs, checked against the 4096 target. */
  static final int SCALE = 256;

  private Targets() {}

  public static List<Goal> of(BenchResult r) {
    List<Goal> goals = new ArrayList<>();
    for (List<String> t : r.targets()) {
      String backend = t.get(0);
      String mode = t.get(1);
      if (mode.equals("processes")) {
        processes(r, backend, goals);
      } else {
        threads(r, backend, mode, goals);
      }
    }
    return goals;
  }

  private static void processes(BenchResult r, String backend, List<Goal> goals) {
    String subject = backend + " processes";
    String small = Floors.smallestPingPong(r);
    double floorRtt =
        small == null
            ? Double.NaN
            : r.floor(Metrics.FLOOR_SPINNING, small).map(Series::median).orElse(Double.NaN);
    String smallSize = small == null ? "64B" : small.substring("pingpong.".length());
    Optional<Series> pp = smallestRanks(r, backend, "processes", "pingpong." + smallSize);
    goals.add(
        new Goal(
            subject,
            "point-to-point " + smallSize + " round trip ≤ 2 × the spinning floor",
            pp.map(Series::median).orElse(Double.NaN),
            "ns",
            2 * floorRtt,
            false));
    String large = largestThroughput(r);
    if (large != null) {
      double floorRate =
          Math.max(
              r.floor(Metrics.FLOOR_SPINNING, large).map(Series::median).orElse(Double.NaN),
              r.floor(Metrics.FLOOR_BLOCKING, large).map(Series::median).orElse(Double.NaN));
      goals.add(
          new Goal(
              subject,
              large.substring("throughput.".length()) + " ping-pong throughput ≥ the floor's",
              smallestRanks(r, backend, "processes", large).map(Series::median).orElse(Double.NaN),
              "B/s",
              floorRate,
              true));
    }
    for (String op : List.of(Metrics.ALL_GATHER, Metrics.BARRIER)) {
      goals.add(
          new Goal(
              subject,
              "2-rank " + op + " ≤ 1.5 × the spinning floor's " + smallSize + " round trip",
              r.median(backend, "processes", 2, op),
              "ns",
              1.5 * floorRtt,
              false));
    }
    goals.add(
        new Goal(
            subject,
            "8-rank open() in fresh JVMs ≤ 5 ms",
            r.median(backend, "processes", 8, Metrics.OPEN_FRESH),
            "ns",
            5 * MS,
            false));
    goals.add(
        new Goal(
            subject,
            "8-rank open() in warm JVMs ≤ 1 ms",
            r.median(backend, "processes", 8, Metrics.OPEN_WARM),
            "ns",
            1 * MS,
            false));
    for (String op : List.of(Metrics.ALL_GATHER, Metrics.BARRIER)) {
      goals.add(
          new Goal(
              subject,
              "8-rank " + op + " ≤ 150 µs",
              r.median(backend, "processes", 8, op),
              "ns",
              150 * US,
              false));
    }
  }

  private static void threads(BenchResult r, String backend, String mode, List<Goal> goals) {
    List<Integer> sizes = r.ranks(backend, mode);
    if (sizes.isEmpty() || sizes.get(sizes.size() - 1) < SCALE) {
      return; // not a scale run: a few threads say nothing about 4096
    }
    String subject = backend + " " + mode;
    int n = sizes.get(sizes.size() - 1);
    String at = n == 4096 ? "4096" : n + " (the target is for 4096)";
    goals.add(
        new Goal(
            subject,
            at + " ranks in one JVM: open + allGather + barrier ≤ 3 s",
            r.median(backend, mode, n, Metrics.FIRST_TOTAL),
            "ns",
            3e9,
            false));
    Optional<Series> sockets = r.find(backend, mode, n, Metrics.SOCKETS);
    if (sockets.isPresent()) {
      int log2 = 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1)); // ⌈log2 n⌉
      goals.add(
          new Goal(
              subject,
              n + " ranks: sockets per rank ≤ 2·⌈log2 N⌉+4 = " + (2 * log2 + 4),
              sockets.get().median(),
              "count",
              2 * log2 + 4,
              false));
    }
  }

  /** The series at the smallest group size that has it (the ping-pong runs at one size only). */
  private static Optional<Series> smallestRanks(
      BenchResult r, String backend, String mode, String metric) {
    for (int n : r.ranks(backend, mode)) {
      Optional<Series> s = r.find(backend, mode, n, metric);
      if (s.isPresent()) {
        return s;
      }
    }
    return Optional.empty();
  }

  private static String largestThroughput(BenchResult r) {
    String best = null;
    double bytes = -1;
    for (Series s : r.series()) {
      if (s.backend().equals(Metrics.FLOOR_SPINNING) && s.metric().startsWith("throughput.")) {
        double b = Floors.bytes(s.metric().substring("throughput.".length()));
        if (b > bytes) {
          bytes = b;
          best = s.metric();
        }
      }
    }
    return best;
  }
}
