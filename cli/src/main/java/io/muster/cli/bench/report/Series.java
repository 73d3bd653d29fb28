package io.muster.cli.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One measured quantity: a value per repetition (already the maximum over ranks), and optionally
 * the individual samples behind a histogram.
 *
 * @param backend what was measured: a scheme ({@code tcp}, {@code local}) or a floor ({@code
 *     floor-spinning}, {@code floor-blocking})
 * @param mode {@code processes} (a JVM per rank) or {@code threads} (ranks as threads of one JVM)
 * @param ranks the group's size
 * @param metric what: {@code open.fresh}, {@code allGather}, {@code pingpong.64B}, {@code
 *     throughput.64MiB}, {@code sockets}, ... (see {@link Metrics})
 * @param unit {@code ns}, {@code B/s}, {@code bytes} or {@code count}
 * @param values one value per repetition
 * @param samples individual operations, for histograms; often empty
 */
public record Series(
    String backend,
    String mode,
    int ranks,
    String metric,
    String unit,
    List<Double> values,
    List<Double> samples) {

  public Series {
    values = List.copyOf(values);
    samples = List.copyOf(samples);
  }

  public Series(
      String backend, String mode, int ranks, String metric, String unit, List<Double> values) {
    this(backend, mode, ranks, metric, unit, values, List.of());
  }

  /** What identifies this series across runs: backend, mode, ranks and metric. */
  public String key() {
    return backend + " " + mode + " n=" + ranks + " " + metric;
  }

  public Stats stats() {
    return Stats.of(values);
  }

  public double median() {
    return stats().median();
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backend", backend);
    m.put("mode", mode);
    m.put("ranks", ranks);
    m.put("metric", metric);
    m.put("unit", unit);
    Stats s = stats();
    m.put("min", s.min());
    m.put("median", s.median());
    m.put("max", s.max());
    m.put("values", values);
    if (!samples.isEmpty()) {
      m.put("samples", samples);
    }
    return m;
  }

  static Series fromJson(Map<?, ?> m) {
    return new Series(
        text(m, "backend"),
        text(m, "mode"),
        (int) number(m, "ranks"),
        text(m, "metric"),
        text(m, "unit"),
        numbers(m.get("values")),
        m.containsKey("samples") ? numbers(m.get("samples")) : List.of());
  }

  private static String text(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof String)) {
      throw new IllegalArgumentException("a series has no text '" + key + "': " + m.keySet());
    }
    return (String) v;
  }

  private static double number(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number)) {
      throw new IllegalArgumentException("a series has no number '" + key + "': " + m.keySet());
    }
    return ((Number) v).doubleValue();
  }

  private static List<Double> numbers(Object v) {
    if (!(v instanceof List)) {
      throw new IllegalArgumentException("expected a list of numbers, got " + v);
    }
    List<Double> out = new ArrayList<>();
    for (Object x : (List<?>) v) {
      out.add(x instanceof Number ? ((Number) x).doubleValue() : Double.NaN);
    }
    return out;
  }
}
