package io.muster.cli.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Charts as inline SVG, drawn here so the report needs no script and no network: lines (scaling
 * curves, time per repetition), grouped bars (Muster against the floor, backend against backend)
 * and histograms. Hovering a mark shows its value.
 */
final class Charts {
  static final int WIDTH = 620;
  static final int HEIGHT = 300;
  private static final int LEFT = 64;
  private static final int RIGHT = 160; // the legend
  private static final int TOP = 30;
  private static final int BOTTOM = 46;

  /** Okabe–Ito colours: told apart by colour-blind readers too. */
  static final String[] PALETTE = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255",
    "#999933", "#8c564b"
  };

  static final String FLOOR_SPINNING = "#555555";
  static final String FLOOR_BLOCKING = "#aaaaaa";

  /** Inside each chart, so one can be saved on its own as an .svg file. */
  private static final String STYLE =
      "<style>text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}"
          + ".title{font-size:14px;font-weight:600;fill:#222}.tick{font-size:11px;fill:#444}"
          + ".label{font-size:12px;fill:#444}.legend{font-size:12px;fill:#222}"
          + ".rule{font-size:11px}</style>\n";

  private Charts() {}

  /** A point with its min–max range over repetitions. */
  record Point(double x, double y, double lo, double hi) {
    Point(double x, double y) {
      this(x, y, Double.NaN, Double.NaN);
    }
  }

  record Line(String name, String color, boolean dashed, List<Point> points) {}

  /** A horizontal reference: a target or a floor. */
  record Rule(String label, double y, String color) {}

  record Bar(String name, String color, double value, double lo, double hi) {}

  record Group(String label, List<Bar> bars) {}

  record Distribution(String name, String color, double[] samples) {}

  /** A line chart; {@code xTicks} are the x values to label. */
  static String lines(
      String title,
      String xLabel,
      DoubleFunction<String> xText,
      String unit,
      boolean logX,
      boolean logY,
      List<Double> xTicks,
      List<Line> lines,
      List<Rule> rules) {
    Extent e = new Extent(logY, rules);
    for (Line l : lines) {
      for (Point p : l.points()) {
        e.add(p.y(), p.lo(), p.hi());
      }
    }
    Axis x = Axis.withTicks(xTicks, LEFT, WIDTH - RIGHT, logX);
    Axis y = Axis.of(e.lo, e.hi, HEIGHT - BOTTOM, TOP, logY, true, unit.equals("bytes"));
    StringBuilder s = frame(title, x, xText, xLabel, y, unit);
    for (Rule r : rules) {
      rule(s, x, y, r, unit);
    }
    Map<String, String> legend = new LinkedHashMap<>();
    for (Line l : lines) {
      StringBuilder path = new StringBuilder();
      for (Point p : l.points()) {
        if (!valid(p.y(), logY) || !x.contains(p.x())) {
          continue;
        }
        path.append(path.length() == 0 ? "M" : " L")
            .append(f(x.map(p.x())))
            .append(',')
            .append(f(y.map(p.y())));
      }
      if (path.length() > 0) {
        s.append("<path d=\"")
            .append(path)
            .append("\" fill=\"none\" stroke=\"")
            .append(l.color())
            .append("\" stroke-width=\"2\"")
            .append(l.dashed() ? " stroke-dasharray=\"6 4\"" : "")
            .append("/>\n");
      }
      for (Point p : l.points()) {
        if (!valid(p.y(), logY) || !x.contains(p.x())) {
          continue;
        }
        double px = x.map(p.x());
        if (valid(p.lo(), logY) && valid(p.hi(), logY) && p.hi() > p.lo()) {
          s.append("<line x1=\"")
              .append(f(px))
              .append("\" x2=\"")
              .append(f(px))
              .append("\" y1=\"")
              .append(f(y.map(p.lo())))
              .append("\" y2=\"")
              .append(f(y.map(p.hi())))
              .append("\" stroke=\"")
              .append(l.color())
              .append("\" stroke-width=\"1\" opacity=\"0.6\"/>\n");
        }
        s.append("<circle cx=\"")
            .append(f(px))
            .append("\" cy=\"")
            .append(f(y.map(p.y())))
            .append("\" r=\"3.2\" fill=\"")
            .append(l.color())
            .append("\"><title>")
            .append(
                esc(
                    l.name()
                        + " at "
                        + xText.apply(p.x())
                        + ": "
                        + withRange(p.y(), p.lo(), p.hi(), unit)))
            .append("</title></circle>\n");
      }
      legend.put(l.name(), l.color() + (l.dashed() ? " dashed" : ""));
    }
    rulesInLegend(legend, rules);
    legend(s, legend);
    return s.append("</svg>\n").toString();
  }

  /** Grouped vertical bars with min–max whiskers. */
  static String bars(
      String title, String unit, boolean logY, List<Group> groups, List<Rule> rules) {
    Extent e = new Extent(logY, rules);
    for (Group g : groups) {
      for (Bar b : g.bars()) {
        e.add(b.value(), b.lo(), b.hi());
      }
    }
    Axis y = Axis.of(e.lo, e.hi, HEIGHT - BOTTOM, TOP, logY, true);
    StringBuilder s = open(title);
    yAxis(s, y, unit);
    double plot = WIDTH - RIGHT - LEFT;
    double groupWidth = plot / Math.max(1, groups.size());
    Map<String, String> legend = new LinkedHashMap<>();
    double base = logY ? HEIGHT - BOTTOM : y.map(0);
    for (int gi = 0; gi < groups.size(); gi++) {
      Group g = groups.get(gi);
      double gx = LEFT + gi * groupWidth;
      int n = Math.max(1, g.bars().size());
      double barWidth = Math.min(36, groupWidth * 0.8 / n);
      double start = gx + (groupWidth - barWidth * n) / 2;
      for (int bi = 0; bi < g.bars().size(); bi++) {
        Bar b = g.bars().get(bi);
        legend.put(b.name(), b.color());
        if (!valid(b.value(), logY)) {
          continue;
        }
        double bx = start + bi * barWidth;
        double top = y.map(b.value());
        s.append("<rect x=\"")
            .append(f(bx + 1))
            .append("\" y=\"")
            .append(f(Math.min(top, base)))
            .append("\" width=\"")
            .append(f(barWidth - 2))
            .append("\" height=\"")
            .append(f(Math.abs(base - top)))
            .append("\" fill=\"")
            .append(b.color())
            .append("\"><title>")
            .append(
                esc(
                    g.label()
                        + ", "
                        + b.name()
                        + ": "
                        + withRange(b.value(), b.lo(), b.hi(), unit)))
            .append("</title></rect>\n");
        if (valid(b.lo(), logY) && valid(b.hi(), logY) && b.hi() > b.lo()) {
          double cx = bx + barWidth / 2;
          s.append("<path d=\"M")
              .append(f(cx))
              .append(',')
              .append(f(y.map(b.lo())))
              .append(" L")
              .append(f(cx))
              .append(',')
              .append(f(y.map(b.hi())))
              .append(" M")
              .append(f(cx - 4))
              .append(',')
              .append(f(y.map(b.hi())))
              .append(" L")
              .append(f(cx + 4))
              .append(',')
              .append(f(y.map(b.hi())))
              .append(" M")
              .append(f(cx - 4))
              .append(',')
              .append(f(y.map(b.lo())))
              .append(" L")
              .append(f(cx + 4))
              .append(',')
              .append(f(y.map(b.lo())))
              .append("\" stroke=\"#222\" stroke-width=\"1\"/>\n");
        }
      }
      // Two lines at most, split at the first space, so labels of narrow groups do not collide.
      int space = g.label().indexOf(' ');
      String[] label =
          space < 0
              ? new String[] {g.label()}
              : new String[] {g.label().substring(0, space), g.label().substring(space + 1)};
      for (int li = 0; li < label.length; li++) {
        s.append("<text x=\"")
            .append(f(gx + groupWidth / 2))
            .append("\" y=\"")
            .append(HEIGHT - BOTTOM + 15 + 13 * li)
            .append("\" text-anchor=\"middle\" class=\"tick\">")
            .append(esc(label[li]))
            .append("</text>\n");
      }
    }
    s.append("<line x1=\"")
        .append(LEFT)
        .append("\" x2=\"")
        .append(WIDTH - RIGHT)
        .append("\" y1=\"")
        .append(f(base))
        .append("\" y2=\"")
        .append(f(base))
        .append("\" stroke=\"#333\"/>\n");
    for (Rule r : rules) {
      ruleAcross(s, y, r, unit);
    }
    rulesInLegend(legend, rules);
    legend(s, legend);
    return s.append("</svg>\n").toString();
  }

  /** Histograms of individual operations on log-spaced bins, as a share of each's samples. */
  static String histogram(String title, String unit, List<Distribution> dists) {
    List<Double> all = new ArrayList<>();
    for (Distribution d : dists) {
      for (double v : d.samples()) {
        if (v > 0) {
          all.add(v);
        }
      }
    }
    double[] a = all.stream().mapToDouble(Double::doubleValue).toArray();
    double lo = Stats.percentile(a, 0.5);
    double hi = Stats.percentile(a, 99.5);
    if (!(lo > 0) || !(hi > lo)) {
      lo = a.length == 0 ? 1 : Math.max(1e-9, lo / 2);
      hi = lo * 4;
    }
    int bins = 48;
    double step = Math.log(hi / lo) / bins;
    Axis x = Axis.of(lo, hi, LEFT, WIDTH - RIGHT, true, false);
    double peak = 0;
    List<double[]> shares = new ArrayList<>();
    for (Distribution d : dists) {
      double[] h = new double[bins];
      int n = 0;
      for (double v : d.samples()) {
        if (v <= 0) {
          continue;
        }
        int b = (int) Math.floor(Math.log(v / lo) / step);
        h[Math.max(0, Math.min(bins - 1, b))]++;
        n++;
      }
      for (int i = 0; i < bins; i++) {
        h[i] = n == 0 ? 0 : h[i] / n;
        peak = Math.max(peak, h[i]);
      }
      shares.add(h);
    }
    Axis y = Axis.of(0, Math.max(peak, 0.01), HEIGHT - BOTTOM, TOP, false, true);
    StringBuilder s =
        frame(title, x, v -> Units.html(v, unit), "one operation (log scale)", y, "share");
    Map<String, String> legend = new LinkedHashMap<>();
    for (int di = 0; di < dists.size(); di++) {
      Distribution d = dists.get(di);
      double[] h = shares.get(di);
      StringBuilder path =
          new StringBuilder("M").append(f(x.map(lo))).append(',').append(f(y.map(0)));
      for (int i = 0; i < bins; i++) {
        double x0 = x.map(lo * Math.exp(i * step));
        double x1 = x.map(lo * Math.exp((i + 1) * step));
        path.append(" L")
            .append(f(x0))
            .append(',')
            .append(f(y.map(h[i])))
            .append(" L")
            .append(f(x1))
            .append(',')
            .append(f(y.map(h[i])));
      }
      path.append(" L").append(f(x.map(hi))).append(',').append(f(y.map(0))).append(" Z");
      s.append("<path d=\"")
          .append(path)
          .append("\" fill=\"")
          .append(d.color())
          .append("\" fill-opacity=\"0.18\" stroke=\"")
          .append(d.color())
          .append("\" stroke-width=\"1.6\"><title>")
          .append(
              esc(
                  d.name()
                      + ": "
                      + d.samples().length
                      + " operations, median "
                      + Units.html(Stats.percentile(d.samples(), 50), unit)
                      + ", p99 "
                      + Units.html(Stats.percentile(d.samples(), 99), unit)))
          .append("</title></path>\n");
      legend.put(d.name(), d.color());
    }
    legend(s, legend);
    return s.append("</svg>\n").toString();
  }

  private static StringBuilder open(String title) {
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"")
        .append(esc(title))
        .append("\">\n");
    s.append(STYLE);
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    s.append("<text x=\"")
        .append(LEFT)
        .append("\" y=\"18\" class=\"title\">")
        .append(esc(title))
        .append("</text>\n");
    return s;
  }

  private static StringBuilder frame(
      String title, Axis x, DoubleFunction<String> xText, String xLabel, Axis y, String unit) {
    StringBuilder s = open(title);
    yAxis(s, y, unit);
    for (double t : x.ticks()) {
      double px = x.map(t);
      s.append("<line x1=\"")
          .append(f(px))
          .append("\" x2=\"")
          .append(f(px))
          .append("\" y1=\"")
          .append(HEIGHT - BOTTOM)
          .append("\" y2=\"")
          .append(HEIGHT - BOTTOM + 4)
          .append("\" stroke=\"#333\"/>\n");
      s.append("<text x=\"")
          .append(f(px))
          .append("\" y=\"")
          .append(HEIGHT - BOTTOM + 16)
          .append("\" text-anchor=\"middle\" class=\"tick\">")
          .append(esc(xText.apply(t)))
          .append("</text>\n");
    }
    s.append("<line x1=\"")
        .append(LEFT)
        .append("\" x2=\"")
        .append(WIDTH - RIGHT)
        .append("\" y1=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" y2=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" stroke=\"#333\"/>\n");
    s.append("<text x=\"")
        .append((LEFT + WIDTH - RIGHT) / 2)
        .append("\" y=\"")
        .append(HEIGHT - 6)
        .append("\" text-anchor=\"middle\" class=\"label\">")
        .append(esc(xLabel))
        .append("</text>\n");
    return s;
  }

  private static void yAxis(StringBuilder s, Axis y, String unit) {
    for (double t : y.ticks()) {
      double py = y.map(t);
      s.append("<line x1=\"")
          .append(LEFT)
          .append("\" x2=\"")
          .append(WIDTH - RIGHT)
          .append("\" y1=\"")
          .append(f(py))
          .append("\" y2=\"")
          .append(f(py))
          .append("\" stroke=\"#e4e4e4\"/>\n");
      s.append("<text x=\"")
          .append(LEFT - 6)
          .append("\" y=\"")
          .append(f(py + 4))
          .append("\" text-anchor=\"end\" class=\"tick\">")
          .append(esc(tick(t, unit)))
          .append("</text>\n");
    }
    s.append("<line x1=\"")
        .append(LEFT)
        .append("\" x2=\"")
        .append(LEFT)
        .append("\" y1=\"")
        .append(TOP)
        .append("\" y2=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" stroke=\"#333\"/>\n");
  }

  private static String tick(double v, String unit) {
    if (unit.equals("share")) {
      return String.format(Locale.ROOT, "%.0f%%", v * 100);
    }
    if (unit.equals("ratio")) {
      return Units.ratio(v);
    }
    return Units.html(v, unit);
  }

  /** Rules are named in the legend, where their labels cannot cover the data. */
  private static void rulesInLegend(Map<String, String> legend, List<Rule> rules) {
    for (Rule r : rules) {
      legend.put(r.label(), r.color() + " dashed");
    }
  }

  private static void rule(StringBuilder s, Axis x, Axis y, Rule r, String unit) {
    ruleAcross(s, y, r, unit);
  }

  private static void ruleAcross(StringBuilder s, Axis y, Rule r, String unit) {
    if (!y.contains(r.y())) {
      return;
    }
    double py = y.map(r.y());
    s.append("<line x1=\"")
        .append(LEFT)
        .append("\" x2=\"")
        .append(WIDTH - RIGHT)
        .append("\" y1=\"")
        .append(f(py))
        .append("\" y2=\"")
        .append(f(py))
        .append("\" stroke=\"")
        .append(r.color())
        .append("\" stroke-width=\"1.4\" stroke-dasharray=\"3 3\"><title>")
        .append(esc(r.label() + ": " + tick(r.y(), unit)))
        .append("</title></line>\n");
  }

  private static void legend(StringBuilder s, Map<String, String> items) {
    int y = TOP + 4;
    for (Map.Entry<String, String> e : items.entrySet()) {
      String[] c = e.getValue().split(" ");
      s.append("<line x1=\"")
          .append(WIDTH - RIGHT + 12)
          .append("\" x2=\"")
          .append(WIDTH - RIGHT + 30)
          .append("\" y1=\"")
          .append(y)
          .append("\" y2=\"")
          .append(y)
          .append("\" stroke=\"")
          .append(c[0])
          .append("\" stroke-width=\"")
          .append(4)
          .append('"')
          .append(c.length > 1 ? " stroke-dasharray=\"5 3\"" : "")
          .append("/>\n");
      s.append("<text x=\"")
          .append(WIDTH - RIGHT + 36)
          .append("\" y=\"")
          .append(y + 4)
          .append("\" class=\"legend\">")
          .append(esc(e.getKey()))
          .append("</text>\n");
      y += 18;
    }
  }

  /** A tooltip's value, with its min and max when it has them. */
  private static String withRange(double value, double min, double max, String unit) {
    return Units.html(value, unit)
        + (Double.isNaN(min)
            ? ""
            : " (min " + Units.html(min, unit) + ", max " + Units.html(max, unit) + ")");
  }

  /** The lowest and highest value a chart shows: its values with their whiskers, and its rules. */
  private static final class Extent {
    private final boolean log;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;

    Extent(boolean log, List<Rule> rules) {
      this.log = log;
      for (Rule r : rules) {
        lo = Math.min(lo, r.y());
        hi = Math.max(hi, r.y());
      }
    }

    /**
     * A value and its whisker's ends ({@code NaN} when it has none); a value not drawn is left out.
     */
    void add(double value, double min, double max) {
      if (valid(value, log)) {
        lo = Math.min(lo, Double.isNaN(min) ? value : Math.min(value, min));
        hi = Math.max(hi, Double.isNaN(max) ? value : Math.max(value, max));
      }
    }
  }

  private static boolean valid(double v, boolean log) {
    return !Double.isNaN(v) && !Double.isInfinite(v) && (!log || v > 0);
  }

  static String f(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
