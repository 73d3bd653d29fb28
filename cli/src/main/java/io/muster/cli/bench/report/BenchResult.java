package io.muster.cli.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one {@code muster bench} run measured, with the machine it ran on: what the JSON file
 * holds, what the HTML report draws and what {@code --compare} reads back.
 *
 * @param started when the run began, ISO-8601
 * @param seconds how long it took
 * @param machine notes on the machine: cores, load average, JVM, ...
 * @param settings the command line's settings
 * @param series every measured series
 * @param notes what the run wants people to know (skipped parts, limits hit)
 */
public record BenchResult(
    String started,
    double seconds,
    Map<String, Object> machine,
    Map<String, Object> settings,
    List<Series> series,
    List<String> notes) {

  /** Names the format, so a later reader can tell an old file from a new one. */
  public static final String FORMAT = "muster-bench/1";

  public BenchResult {
    machine = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(machine));
    settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    series = List.copyOf(series);
    notes = List.copyOf(notes);
  }

  /** The series of this backend, mode, group size and metric, if measured. */
  public Optional<Series> find(String backend, String mode, int ranks, String metric) {
    for (Series s : series) {
      if (s.backend().equals(backend)
          && s.mode().equals(mode)
          && s.ranks() == ranks
          && s.metric().equals(metric)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** The median of that series, or NaN. */
  public double median(String backend, String mode, int ranks, String metric) {
    return find(backend, mode, ranks, metric).map(Series::median).orElse(Double.NaN);
  }

  /** The floor's series for this metric (floors run with 2 processes). */
  public Optional<Series> floor(String floor, String metric) {
    return find(floor, "processes", 2, metric);
  }

  /** The (backend, mode) pairs measured, floors excluded, in the order first seen. */
  public List<List<String>> targets() {
    List<List<String>> out = new ArrayList<>();
    for (Series s : series) {
      List<String> t = List.of(s.backend(), s.mode());
      if (!Metrics.isFloor(s.backend()) && !out.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  /** The group sizes measured for a (backend, mode), ascending. */
  public List<Integer> ranks(String backend, String mode) {
    List<Integer> out = new ArrayList<>();
    for (Series s : series) {
      if (s.backend().equals(backend) && s.mode().equals(mode) && !out.contains(s.ranks())) {
        out.add(s.ranks());
      }
    }
    out.sort(null);
    return out;
  }

  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("started", started);
    m.put("seconds", seconds);
    m.put("machine", machine);
    m.put("settings", settings);
    m.put("notes", notes);
    List<Object> s = new ArrayList<>();
    for (Series x : series) {
      s.add(x.toJson());
    }
    m.put("series", s);
    return Json.write(m);
  }

  /**
   * Reads what {@link #toJson()} wrote.
   *
   * @throws IllegalArgumentException when the text is not a bench result
   */
  public static BenchResult fromJson(String text) {
    Object parsed = Json.parse(text);
    if (!(parsed instanceof Map) || !FORMAT.equals(((Map<?, ?>) parsed).get("format"))) {
      throw new IllegalArgumentException(
          "not a muster bench result (no \"format\": \"" + FORMAT + "\" at the top)");
    }
    Map<?, ?> m = (Map<?, ?>) parsed;
    List<Series> series = new ArrayList<>();
    for (Object s : list(m.get("series"))) {
      series.add(Series.fromJson((Map<?, ?>) s));
    }
    List<String> notes = new ArrayList<>();
    for (Object n : list(m.get("notes"))) {
      notes.add(String.valueOf(n));
    }
    return new BenchResult(
        String.valueOf(m.get("started")),
        m.get("seconds") instanceof Number ? ((Number) m.get("seconds")).doubleValue() : Double.NaN,
        map(m.get("machine")),
        map(m.get("settings")),
        series,
        notes);
  }

  /** Reads a result file, saying which file is wrong when it is. */
  public static BenchResult read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    try {
      return fromJson(text);
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private static List<?> list(Object v) {
    return v instanceof List ? (List<?>) v : List.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object v) {
    return v instanceof Map ? (Map<String, Object>) v : Map.of();
  }
}
