package io.muster.cli.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds small bench results for tests. */
final class Results {
  private final List<Series> series = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  Results add(String backend, String mode, int ranks, String metric, String unit, double... v) {
    List<Double> values = new ArrayList<>();
    for (double x : v) {
      values.add(x);
    }
    series.add(new Series(backend, mode, ranks, metric, unit, values));
    return this;
  }

  Results time(String backend, String mode, int ranks, String metric, double... nanos) {
    return add(backend, mode, ranks, metric, "ns", nanos);
  }

  Results floor(String metric, double spinning, double blocking) {
    String unit = metric.startsWith("throughput.") ? "B/s" : "ns";
    add(Metrics.FLOOR_SPINNING, "processes", 2, metric, unit, spinning, spinning);
    return add(Metrics.FLOOR_BLOCKING, "processes", 2, metric, unit, blocking, blocking);
  }

  Results note(String n) {
    notes.add(n);
    return this;
  }

  BenchResult build() {
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cores", 2);
    machine.put("loadAverage", List.of(1.5, 2.0, 2.5));
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("repetitions", 2);
    return new BenchResult("2025-01-01T00:00:00Z", 12.5, machine, settings, series, notes);
  }
}
