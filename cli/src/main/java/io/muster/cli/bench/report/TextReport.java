package io.muster.cli.bench.report;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The run's figures on the terminal: the floor, a table per backend, the targets, the notes. */
public final class TextReport {
  private TextReport() {}

  /** Metrics in the order tables show them. */
  static List<String> order(BenchResult r, String backend, String mode) {
    List<String> seen = new ArrayList<>();
    for (Series s : r.series()) {
      if (s.backend().equals(backend) && s.mode().equals(mode) && !seen.contains(s.metric())) {
        seen.add(s.metric());
      }
    }
    List<String> first =
        List.of(
            Metrics.OPEN_FRESH,
            Metrics.OPEN_WARM,
            Metrics.FIRST_TOTAL,
            Metrics.ALL_GATHER,
            Metrics.BROADCAST,
            Metrics.ALL_TO_ALL,
            Metrics.BARRIER);
    List<String> out = new ArrayList<>();
    for (String m : first) {
      if (seen.contains(m)) {
        out.add(m);
      }
    }
    for (String prefix : List.of("pingpong.", "throughput.")) {
      for (String m : seen) {
        if (m.startsWith(prefix)) {
          out.add(m);
        }
      }
    }
    for (String m : seen) {
      if (!out.contains(m) && !m.startsWith("signal.")) {
        out.add(m);
      }
    }
    for (String m : seen) {
      if (!out.contains(m)) {
        out.add(m);
      }
    }
    return out;
  }

  public static void print(PrintStream out, BenchResult r) {
    StringBuilder s = new StringBuilder();
    Map<String, Object> m = r.machine();
    s.append(
        String.format(
            Locale.ROOT,
            "machine: %s cores (%s), load average %s before, %s after; %s%n",
            m.get("cores"),
            m.get("cpu"),
            m.get("loadAverage"),
            m.get("loadAverageAfter"),
            m.get("java")));
    floors(s, r);
    String small = Floors.smallestPingPong(r);
    for (List<String> t : r.targets()) {
      table(s, r, t.get(0), t.get(1), small);
    }
    samples(s, r);
    List<Goal> goals = Targets.of(r);
    if (!goals.isEmpty()) {
      s.append(String.format("%ntargets (medians)%n"));
      for (Goal g : goals) {
        s.append(
            String.format(
                Locale.ROOT,
                "  %-12s %-16s %-66s %s%n",
                g.verdict(),
                g.subject(),
                g.what(),
                g.wasMeasured()
                    ? Units.format(g.measured(), g.unit())
                        + " vs "
                        + Units.format(g.limit(), g.unit())
                        + " ("
                        + Units.ratio(g.ratio())
                        + " of the bound)"
                    : ""));
      }
    }
    if (!r.notes().isEmpty()) {
      s.append(String.format("%nnotes%n"));
      for (String n : r.notes()) {
        s.append("  - ").append(n).append(System.lineSeparator());
      }
    }
    out.print(
        s.toString()
            .replace("≤", "<=")
            .replace("≥", ">=")
            .replace("·", "*")
            .replace("⌈", "ceil(")
            .replace("⌉", ")")
            .replace("µ", "u")
            .replace("×", "x"));
    out.flush();
  }

  /** Percentiles of single operations: a mean hides a second hump of slow ones. */
  private static void samples(StringBuilder s, BenchResult r) {
    boolean first = true;
    for (Series x : r.series()) {
      if (x.samples().isEmpty()) {
        continue;
      }
      if (first) {
        s.append(String.format("%nsingle operations (all repetitions): p10 / p50 / p90 / p99%n"));
        first = false;
      }
      double[] v = x.samples().stream().mapToDouble(Double::doubleValue).toArray();
      s.append(
          String.format(
              Locale.ROOT,
              "  %-34s %s / %s / %s / %s%n",
              x.backend() + " " + x.mode() + " " + x.metric(),
              Units.format(Stats.percentile(v, 10), x.unit()),
              Units.format(Stats.percentile(v, 50), x.unit()),
              Units.format(Stats.percentile(v, 90), x.unit()),
              Units.format(Stats.percentile(v, 99), x.unit())));
    }
  }

  private static void floors(StringBuilder s, BenchResult r) {
    List<String> metrics = new ArrayList<>();
    for (Series x : r.series()) {
      if (Metrics.isFloor(x.backend()) && !metrics.contains(x.metric())) {
        metrics.add(x.metric());
      }
    }
    if (metrics.isEmpty()) {
      return;
    }
    s.append(
        String.format(
            Locale.ROOT,
            "%nfloor: plain SocketChannel ping-pong between 2 JVMs; median (min..max) of %d%n",
            r.floor(Metrics.FLOOR_SPINNING, metrics.get(0)).map(x -> x.values().size()).orElse(0)));
    s.append(String.format(Locale.ROOT, "  %-18s %-34s %s%n", "", "spinning", "blocking"));
    for (String metric : metrics) {
      s.append(
          String.format(
              Locale.ROOT,
              "  %-18s %-34s %s%n",
              metric,
              cell(r.floor(Metrics.FLOOR_SPINNING, metric).orElse(null)),
              cell(r.floor(Metrics.FLOOR_BLOCKING, metric).orElse(null))));
    }
  }

  private static String cell(Series s) {
    if (s == null) {
      return "-";
    }
    Stats st = s.stats();
    return Units.format(st.median(), s.unit())
        + " ("
        + Units.format(st.min(), s.unit())
        + ".."
        + Units.format(st.max(), s.unit())
        + ")";
  }

  private static void table(
      StringBuilder s, BenchResult r, String backend, String mode, String small) {
    List<Integer> sizes = r.ranks(backend, mode);
    s.append(
        String.format(
            Locale.ROOT,
            "%n%s, %s: median per operation, slowest rank; x = ratio to the floor (%s)%n",
            backend,
            mode,
            small == null
                ? "not measured"
                : "spinning, "
                    + small.substring("pingpong.".length())
                    + " round trip; larger ping-pongs: the faster floor, same size"));
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-24s", "metric"));
    for (int n : sizes) {
      head.append(String.format(Locale.ROOT, "%-22s", "n=" + n));
    }
    s.append(head.toString().stripTrailing()).append(System.lineSeparator());
    for (String metric : order(r, backend, mode)) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-24s", metric));
      for (int n : sizes) {
        String c =
            r.find(backend, mode, n, metric)
                .map(
                    x -> {
                      double ratio = Floors.ratio(r, x);
                      return Units.format(x.median(), x.unit())
                          + (Double.isNaN(ratio) ? "" : " " + Units.ratio(ratio));
                    })
                .orElse("");
        row.append(String.format(Locale.ROOT, "%-22s", c));
      }
      s.append(row.toString().stripTrailing()).append(System.lineSeparator());
    }
  }
}
