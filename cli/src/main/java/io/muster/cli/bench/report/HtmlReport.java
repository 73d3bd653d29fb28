package io.muster.cli.bench.report;

import static io.muster.cli.bench.report.Charts.esc;

import io.muster.cli.bench.report.Charts.Bar;
import io.muster.cli.bench.report.Charts.Distribution;
import io.muster.cli.bench.report.Charts.Group;
import io.muster.cli.bench.report.Charts.Line;
import io.muster.cli.bench.report.Charts.Point;
import io.muster.cli.bench.report.Charts.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The report people look at: one self-contained HTML file (inline SVG and CSS, no script, nothing
 * fetched) with the targets, Muster against the floor, scaling curves, backend against backend, a
 * histogram of round trips, every repetition, and the data itself.
 */
public final class HtmlReport {
  private static final List<String> SCALING =
      List.of(
          Metrics.OPEN_FRESH,
          Metrics.OPEN_WARM,
          Metrics.FIRST_TOTAL,
          Metrics.ALL_GATHER,
          Metrics.BROADCAST,
          Metrics.ALL_TO_ALL,
          Metrics.BARRIER);

  private final BenchResult r;
  private final Map<String, String> colours = new LinkedHashMap<>();

  private HtmlReport(BenchResult r) {
    this.r = r;
    int i = 0;
    for (List<String> t : r.targets()) {
      colours.put(subject(t.get(0), t.get(1)), Charts.PALETTE[i++ % Charts.PALETTE.length]);
    }
  }

  public static String render(BenchResult r) {
    return new HtmlReport(r).page();
  }

  /** The chart that shows Muster against the floor, on its own (for a README). */
  public static String floorChart(BenchResult r) {
    return new HtmlReport(r).ratioChart();
  }

  private static String subject(String backend, String mode) {
    return backend + " " + mode;
  }

  private String colour(String backend, String mode) {
    return colours.getOrDefault(subject(backend, mode), "#000");
  }

  private String page() {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.append("<title>muster bench ").append(esc(r.started())).append("</title>\n");
    h.append("<style>\n")
        .append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',")
        .append("sans-serif;margin:24px 32px;color:#222;max-width:1320px}\n")
        .append("h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;")
        .append("border-bottom:1px solid #ddd;padding-bottom:4px}\n")
        .append("p.lead{color:#555;margin:0 0 12px}\n")
        .append("table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}\n")
        .append("th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:left;")
        .append("vertical-align:top}th{background:#f6f6f6}td.n{text-align:right;")
        .append("font-variant-numeric:tabular-nums;white-space:nowrap}\n")
        .append(".met{color:#0a7d32;font-weight:600}.missed{color:#c0392b;font-weight:600}")
        .append(".none{color:#888}\n")
        .append(".charts{display:flex;flex-wrap:wrap;gap:14px}")
        .append(".charts svg{border:1px solid #e6e6e6;border-radius:4px;max-width:100%;")
        .append("height:auto}\n")
        .append(".notes li{margin:3px 0}.machine td:first-child{color:#666}\n")
        .append("details summary{cursor:pointer;color:#0366d6}\n")
        .append("</style></head><body>\n");
    h.append("<h1>muster bench</h1>\n");
    h.append("<p class=\"lead\">Started ")
        .append(esc(r.started()))
        .append(", took ")
        .append(String.format(Locale.ROOT, "%.0f s", r.seconds()))
        .append(". Times are medians over repetitions of the mean per operation, taking the")
        .append(" slowest rank; ratios divide by the plain-socket floor measured in the same run,")
        .append(" which is what to compare across runs on a shared machine.</p>\n");
    machine(h);
    notes(h);
    targets(h);
    h.append("<h2>Muster against the floor</h2>\n");
    h.append("<p class=\"lead\">The floor is the same ping-pong between two JVMs over a plain")
        .append(" <code>SocketChannel</code>: busy-polling a non-blocking channel (spinning) and")
        .append(" with blocking reads. Bars are medians, whiskers min and max. In the ratio chart")
        .append(" the collectives and the smallest ping-pong are divided by the spinning floor's")
        .append(" smallest round trip (the targets' yardstick), larger ping-pongs by the faster")
        .append(" floor's round trip of the same size.</p>\n");
    h.append("<div class=\"charts\">\n");
    h.append(ratioChart());
    pingPongCharts(h);
    h.append("</div>\n");
    scaling(h);
    backendVsBackend(h);
    histogram(h);
    repetitions(h);
    data(h);
    h.append("<script type=\"application/json\" id=\"muster-bench-data\">\n")
        .append(r.toJson())
        .append("</script>\n");
    h.append("</body></html>\n");
    return h.toString();
  }

  private void machine(StringBuilder h) {
    h.append("<table class=\"machine\">\n");
    for (Map.Entry<String, Object> e : r.machine().entrySet()) {
      Object v = e.getValue();
      String text =
          e.getKey().endsWith("Bytes") && v instanceof Number
              ? Units.html(((Number) v).doubleValue(), "bytes")
              : String.valueOf(v);
      h.append("<tr><td>")
          .append(esc(e.getKey()))
          .append("</td><td>")
          .append(esc(text))
          .append("</td></tr>\n");
    }
    for (Map.Entry<String, Object> e : r.settings().entrySet()) {
      h.append("<tr><td>")
          .append(esc(e.getKey()))
          .append("</td><td>")
          .append(esc(setting(e.getValue())))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  /** A setting as people write it: subjects as "tcp processes (tcp://…)", lists with commas. */
  private static String setting(Object v) {
    if (!(v instanceof List)) {
      return String.valueOf(v);
    }
    List<String> parts = new ArrayList<>();
    for (Object x : (List<?>) v) {
      if (x instanceof Map) {
        Map<?, ?> m = (Map<?, ?>) x;
        parts.add(m.get("backend") + " " + m.get("mode") + " (" + m.get("uri") + ")");
      } else if (x instanceof Number
          && ((Number) x).doubleValue() == Math.rint(((Number) x).doubleValue())) {
        parts.add(Long.toString(((Number) x).longValue()));
      } else {
        parts.add(String.valueOf(x));
      }
    }
    return String.join(", ", parts);
  }

  private void notes(StringBuilder h) {
    if (r.notes().isEmpty()) {
      return;
    }
    h.append("<h2>Notes</h2>\n<ul class=\"notes\">\n");
    for (String n : r.notes()) {
      h.append("<li>").append(esc(n)).append("</li>\n");
    }
    h.append("</ul>\n");
  }

  private void targets(StringBuilder h) {
    List<Goal> goals = Targets.of(r);
    if (goals.isEmpty()) {
      return;
    }
    h.append("<h2>Targets</h2>\n<table>\n<tr><th></th><th>subject</th><th>target</th>")
        .append("<th>measured</th><th>bound</th><th>measured / bound</th></tr>\n");
    for (Goal g : goals) {
      String cls = !g.wasMeasured() ? "none" : g.met() ? "met" : "missed";
      h.append("<tr><td class=\"")
          .append(cls)
          .append("\">")
          .append(esc(g.verdict()))
          .append("</td><td>")
          .append(esc(g.subject()))
          .append("</td><td>")
          .append(esc(g.what()))
          .append("</td><td class=\"n\">")
          .append(esc(Units.html(g.measured(), g.unit())))
          .append("</td><td class=\"n\">")
          .append(esc(Units.html(g.limit(), g.unit())))
          .append("</td><td class=\"n\">")
          .append(esc(g.wasMeasured() ? Units.ratio(g.ratio()) : ""))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  /** Each subject's figures over the spinning floor, with the targets' bounds as rules. */
  private String ratioChart() {
    String small = Floors.smallestPingPong(r);
    List<String> metrics = new ArrayList<>();
    for (Series s : r.series()) {
      if (!Metrics.isFloor(s.backend())
          && (s.metric().startsWith("pingpong.")
              || (s.ranks() == 2 && Metrics.COLLECTIVES.contains(s.metric())))
          && !metrics.contains(s.metric())) {
        metrics.add(s.metric());
      }
    }
    List<Group> groups = new ArrayList<>();
    for (String m : metrics) {
      List<Bar> bars = new ArrayList<>();
      for (List<String> t : r.targets()) {
        Optional<Series> s = firstRanks(t.get(0), t.get(1), m);
        double ratio = s.map(x -> Floors.ratio(r, x)).orElse(Double.NaN);
        bars.add(
            new Bar(
                subject(t.get(0), t.get(1)),
                colour(t.get(0), t.get(1)),
                ratio,
                Double.NaN,
                Double.NaN));
      }
      String label = m.startsWith("pingpong.") ? "p2p " + m.substring(9) : "2-rank " + m;
      groups.add(new Group(label, bars));
    }
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule("floor = 1", 1, Charts.FLOOR_SPINNING));
    rules.add(new Rule("target 2x (p2p)", 2, "#c0392b"));
    rules.add(new Rule("target 1.5x (2-rank)", 1.5, "#e67e22"));
    return Charts.bars("Muster ÷ floor (time, lower is better)", "ratio", true, groups, rules);
  }

  private void pingPongCharts(StringBuilder h) {
    for (String family : List.of("pingpong.", "throughput.")) {
      List<String> metrics = new ArrayList<>();
      for (Series s : r.series()) {
        // Throughput of small messages is latency by another name, and too small to see.
        boolean shown =
            s.metric().startsWith(family)
                && (family.equals("pingpong.")
                    || Floors.bytes(s.metric().substring(family.length())) >= 64 << 10);
        if (shown && !metrics.contains(s.metric())) {
          metrics.add(s.metric());
        }
      }
      if (metrics.isEmpty()) {
        continue;
      }
      List<Group> groups = new ArrayList<>();
      String unit = family.equals("pingpong.") ? "ns" : "B/s";
      for (String m : metrics) {
        List<Bar> bars = new ArrayList<>();
        bars.add(bar("floor spinning", Charts.FLOOR_SPINNING, r.floor(Metrics.FLOOR_SPINNING, m)));
        bars.add(bar("floor blocking", Charts.FLOOR_BLOCKING, r.floor(Metrics.FLOOR_BLOCKING, m)));
        for (List<String> t : r.targets()) {
          bars.add(
              bar(
                  subject(t.get(0), t.get(1)),
                  colour(t.get(0), t.get(1)),
                  firstRanks(t.get(0), t.get(1), m)));
        }
        groups.add(new Group(m.substring(family.length()), bars));
      }
      h.append(
          Charts.bars(
              family.equals("pingpong.")
                  ? "Ping-pong round trip (log scale)"
                  : "Ping-pong throughput",
              unit,
              family.equals("pingpong."),
              groups,
              List.of()));
    }
  }

  private static Bar bar(String name, String colour, Optional<Series> s) {
    Stats st = s.map(Series::stats).orElse(Stats.of());
    return new Bar(name, colour, st.median(), st.min(), st.max());
  }

  /** The series at the smallest group size that has it (ping-pongs run at one size). */
  private Optional<Series> firstRanks(String backend, String mode, String metric) {
    for (int n : r.ranks(backend, mode)) {
      Optional<Series> s = r.find(backend, mode, n, metric);
      if (s.isPresent()) {
        return s;
      }
    }
    return Optional.empty();
  }

  private void scaling(StringBuilder h) {
    List<Double> xs = new ArrayList<>();
    for (List<String> t : r.targets()) {
      for (int n : r.ranks(t.get(0), t.get(1))) {
        if (!xs.contains((double) n)) {
          xs.add((double) n);
        }
      }
    }
    xs.sort(null);
    if (xs.isEmpty()) {
      return;
    }
    h.append("<h2>Scaling</h2>\n<p class=\"lead\">Median time against group size, a line per")
        .append(" backend and mode (ranks as processes or as threads of one JVM); bars span min")
        .append(" to max. Dashed rules are the targets for 8 ranks.</p>\n<div class=\"charts\">\n");
    for (String m : SCALING) {
      List<Line> lines = new ArrayList<>();
      for (List<String> t : r.targets()) {
        List<Point> pts = new ArrayList<>();
        for (int n : r.ranks(t.get(0), t.get(1))) {
          r.find(t.get(0), t.get(1), n, m)
              .ifPresent(
                  s -> {
                    Stats st = s.stats();
                    pts.add(new Point(n, st.median(), st.min(), st.max()));
                  });
        }
        if (!pts.isEmpty()) {
          lines.add(new Line(subject(t.get(0), t.get(1)), colour(t.get(0), t.get(1)), false, pts));
        }
      }
      if (lines.isEmpty()) {
        continue;
      }
      List<Rule> rules = new ArrayList<>();
      boolean eight = xs.contains(8.0); // the 8-rank targets mean nothing on a scale run's axis
      if (!eight && !m.equals(Metrics.FIRST_TOTAL)) {
        // no rule
      } else if (m.equals(Metrics.OPEN_FRESH)) {
        rules.add(new Rule("8-rank target 5 ms", 5e6, "#c0392b"));
      } else if (m.equals(Metrics.OPEN_WARM)) {
        rules.add(new Rule("8-rank target 1 ms", 1e6, "#c0392b"));
      } else if (m.equals(Metrics.ALL_GATHER) || m.equals(Metrics.BARRIER)) {
        rules.add(new Rule("8-rank target 150 µs", 150e3, "#c0392b"));
      } else if (m.equals(Metrics.FIRST_TOTAL) && xs.get(xs.size() - 1) >= 1024) {
        rules.add(new Rule("4096-rank target 3 s", 3e9, "#c0392b"));
      }
      h.append(
          Charts.lines(
              title(m),
              "ranks",
              v -> Long.toString(Math.round(v)),
              "ns",
              true,
              true,
              xs,
              lines,
              rules));
    }
    socketsChart(h, xs);
    for (String m : List.of(Metrics.HEAP, Metrics.DIRECT, Metrics.SOCKET_FDS)) {
      List<Line> lines = new ArrayList<>();
      for (List<String> t : r.targets()) {
        List<Point> pts = new ArrayList<>();
        for (int n : r.ranks(t.get(0), t.get(1))) {
          r.find(t.get(0), t.get(1), n, m).ifPresent(s -> pts.add(new Point(n, s.median())));
        }
        // A backend without sockets or direct buffers (local:) would only draw a line at zero.
        if (pts.stream().anyMatch(p -> p.y() != 0)) {
          lines.add(new Line(subject(t.get(0), t.get(1)), colour(t.get(0), t.get(1)), false, pts));
        }
      }
      if (!lines.isEmpty()) {
        h.append(
            Charts.lines(
                title(m),
                "ranks",
                v -> Long.toString(Math.round(v)),
                m.equals(Metrics.SOCKET_FDS) ? "count" : "bytes",
                true,
                false,
                xs,
                lines,
                List.of()));
      }
    }
    h.append("</div>\n");
  }

  private void socketsChart(StringBuilder h, List<Double> xs) {
    List<Line> lines = new ArrayList<>();
    for (List<String> t : r.targets()) {
      List<Point> pts = new ArrayList<>();
      for (int n : r.ranks(t.get(0), t.get(1))) {
        r.find(t.get(0), t.get(1), n, Metrics.SOCKETS)
            .ifPresent(s -> pts.add(new Point(n, s.median())));
      }
      if (!pts.isEmpty()) {
        lines.add(new Line(subject(t.get(0), t.get(1)), colour(t.get(0), t.get(1)), false, pts));
      }
    }
    if (lines.isEmpty()) {
      return;
    }
    List<Point> bound = new ArrayList<>();
    for (double n : xs) {
      int log2 = 32 - Integer.numberOfLeadingZeros(Math.max(1, (int) n - 1));
      bound.add(new Point(n, 2 * log2 + 4));
    }
    lines.add(new Line("target 2·⌈log2 N⌉+4", "#c0392b", true, bound));
    h.append(
        Charts.lines(
            "Sockets per rank (most of any rank)",
            "ranks",
            v -> Long.toString(Math.round(v)),
            "count",
            true,
            false,
            xs,
            lines,
            List.of()));
  }

  private static String title(String metric) {
    switch (metric) {
      case Metrics.OPEN_FRESH:
        return "open() in fresh JVMs, from the start signal";
      case Metrics.OPEN_WARM:
        return "open() in warm JVMs, from the start signal";
      case Metrics.FIRST_TOTAL:
        return "Fresh JVMs: open + allGather + barrier";
      case Metrics.HEAP:
        return "Heap per rank (threads mode)";
      case Metrics.DIRECT:
        return "Direct buffers per rank (threads mode)";
      case Metrics.SOCKET_FDS:
        return "Socket descriptors per rank (threads mode)";
      default:
        return metric + " of 64 B per rank";
    }
  }

  private void backendVsBackend(StringBuilder h) {
    if (r.targets().size() < 2) {
      return;
    }
    List<Integer> sizes = new ArrayList<>();
    for (List<String> t : r.targets()) {
      for (int n : r.ranks(t.get(0), t.get(1))) {
        if (!sizes.contains(n)) {
          sizes.add(n);
        }
      }
    }
    sizes.sort(null);
    StringBuilder charts = new StringBuilder();
    for (int n : sizes) {
      List<Group> groups = new ArrayList<>();
      int subjects = 0;
      for (List<String> t : r.targets()) {
        subjects += r.ranks(t.get(0), t.get(1)).contains(n) ? 1 : 0;
      }
      if (subjects < 2) {
        continue;
      }
      for (String m : SCALING) {
        List<Bar> bars = new ArrayList<>();
        boolean any = false;
        for (List<String> t : r.targets()) {
          Optional<Series> s = r.find(t.get(0), t.get(1), n, m);
          any |= s.isPresent();
          bars.add(bar(subject(t.get(0), t.get(1)), colour(t.get(0), t.get(1)), s));
        }
        if (any) {
          groups.add(new Group(shortName(m), bars));
        }
      }
      charts.append(
          Charts.bars(
              n + " ranks: backend against backend (log scale)", "ns", true, groups, List.of()));
    }
    if (charts.length() > 0) {
      h.append("<h2>Backend against backend</h2>\n<p class=\"lead\">Medians per group size;")
          .append(
              " <i>first use</i> is a fresh group's open, allGather and barrier together.</p>\n")
          .append("<div class=\"charts\">\n")
          .append(charts)
          .append("</div>\n");
    }
  }

  private static String shortName(String metric) {
    switch (metric) {
      case Metrics.OPEN_FRESH:
        return "open fresh";
      case Metrics.OPEN_WARM:
        return "open warm";
      case Metrics.FIRST_TOTAL:
        return "first use";
      default:
        return metric;
    }
  }

  private void histogram(StringBuilder h) {
    String small = Floors.smallestPingPong(r);
    if (small == null) {
      for (Series s : r.series()) {
        if (!s.samples().isEmpty()) {
          small = s.metric();
          break;
        }
      }
    }
    if (small == null) {
      return;
    }
    List<Distribution> d = new ArrayList<>();
    for (String f : List.of(Metrics.FLOOR_SPINNING, Metrics.FLOOR_BLOCKING)) {
      r.floor(f, small)
          .filter(s -> !s.samples().isEmpty())
          .ifPresent(
              s ->
                  d.add(
                      new Distribution(
                          f.replace('-', ' '),
                          f.equals(Metrics.FLOOR_SPINNING)
                              ? Charts.FLOOR_SPINNING
                              : Charts.FLOOR_BLOCKING,
                          array(s.samples()))));
    }
    for (List<String> t : r.targets()) {
      Optional<Series> s = firstRanks(t.get(0), t.get(1), small);
      if (s.isPresent() && !s.get().samples().isEmpty()) {
        d.add(
            new Distribution(
                subject(t.get(0), t.get(1)), colour(t.get(0), t.get(1)), array(s.get().samples())));
      }
    }
    if (d.isEmpty()) {
      return;
    }
    h.append("<h2>Round trips one by one</h2>\n<p class=\"lead\">Every ")
        .append(esc(small.substring(9)))
        .append(" round trip of the ping-pong, as a share of its run: a second hump is the")
        .append(" wake-up of a parked thread.</p>\n<div class=\"charts\">\n")
        .append(Charts.histogram(small.substring(9) + " ping-pong round trips", "ns", d))
        .append("</div>\n");
  }

  private static double[] array(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private void repetitions(StringBuilder h) {
    StringBuilder charts = new StringBuilder();
    String[] palette = Charts.PALETTE;
    for (List<String> t : r.targets()) {
      for (int n : r.ranks(t.get(0), t.get(1))) {
        List<Line> lines = new ArrayList<>();
        int most = 0;
        int i = 0;
        for (String m : TextReport.order(r, t.get(0), t.get(1))) {
          Optional<Series> s = r.find(t.get(0), t.get(1), n, m);
          if (s.isEmpty() || !s.get().unit().equals("ns") || m.startsWith("signal.")) {
            continue;
          }
          List<Point> pts = new ArrayList<>();
          List<Double> v = s.get().values();
          for (int k = 0; k < v.size(); k++) {
            pts.add(new Point(k + 1, v.get(k)));
          }
          most = Math.max(most, v.size());
          lines.add(
              new Line(shortName(m), palette[i++ % palette.length], m.startsWith("open"), pts));
        }
        if (lines.isEmpty()) {
          continue;
        }
        List<Double> xs = new ArrayList<>();
        for (int k = 1; k <= most; k++) {
          xs.add((double) k);
        }
        charts.append(
            Charts.lines(
                subject(t.get(0), t.get(1)) + ", " + n + " ranks: each" + " repetition",
                "repetition (fresh opens: launch)",
                v -> Long.toString(Math.round(v)),
                "ns",
                false,
                true,
                xs,
                lines,
                List.of()));
      }
    }
    if (charts.length() > 0) {
      h.append("<h2>Time per repetition</h2>\n<p class=\"lead\">Each point is one repetition's")
          .append(" mean per operation (slowest rank). Drift along a line is the machine, not")
          .append(" the code.</p>\n<details open><summary>show or hide</summary>\n")
          .append("<div class=\"charts\">\n")
          .append(charts)
          .append("</div></details>\n");
    }
  }

  private void data(StringBuilder h) {
    h.append("<h2>Data</h2>\n<details><summary>every series</summary>\n<table>\n")
        .append("<tr><th>backend</th><th>mode</th><th>ranks</th><th>metric</th><th>median</th>")
        .append("<th>min</th><th>max</th><th>/ floor</th><th>repetitions</th></tr>\n");
    for (Series s : r.series()) {
      Stats st = s.stats();
      StringBuilder values = new StringBuilder();
      for (double v : s.values()) {
        values.append(values.length() == 0 ? "" : ", ").append(Units.html(v, s.unit()));
      }
      h.append("<tr><td>")
          .append(esc(s.backend()))
          .append("</td><td>")
          .append(esc(s.mode()))
          .append("</td><td class=\"n\">")
          .append(s.ranks())
          .append("</td><td>")
          .append(esc(s.metric()))
          .append("</td><td class=\"n\">")
          .append(esc(Units.html(st.median(), s.unit())))
          .append("</td><td class=\"n\">")
          .append(esc(Units.html(st.min(), s.unit())))
          .append("</td><td class=\"n\">")
          .append(esc(Units.html(st.max(), s.unit())))
          .append("</td><td class=\"n\">")
          .append(esc(Units.ratio(Floors.ratio(r, s))))
          .append("</td><td>")
          .append(esc(values.toString()))
          .append("</td></tr>\n");
    }
    h.append("</table></details>\n");
  }
}
