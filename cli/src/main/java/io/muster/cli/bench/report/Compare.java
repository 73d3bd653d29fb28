package io.muster.cli.bench.report;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code muster bench --compare A.json B.json}: for every series both runs measured, the medians, B
 * over A, and each one's ratio to its own run's floor, which is what to compare when the two runs
 * saw different machines or different neighbours.
 */
public final class Compare {
  private Compare() {}

  /** One series measured by both runs. */
  public record Row(String key, String unit, double a, double b, double floorA, double floorB) {
    /** B's median over A's: below 1 means B is faster (for times). */
    public double ratio() {
      return b / a;
    }
  }

  /** The series both runs have, in A's order. */
  public static List<Row> rows(BenchResult a, BenchResult b) {
    Map<String, Series> inB = new LinkedHashMap<>();
    for (Series s : b.series()) {
      inB.put(s.key(), s);
    }
    List<Row> rows = new ArrayList<>();
    for (Series sa : a.series()) {
      Series sb = inB.get(sa.key());
      if (sb != null) {
        rows.add(
            new Row(
                sa.key(),
                sa.unit(),
                sa.median(),
                sb.median(),
                Floors.ratio(a, sa),
                Floors.ratio(b, sb)));
      }
    }
    return rows;
  }

  public static void print(
      PrintStream out, String nameA, BenchResult a, String nameB, BenchResult b) {
    StringBuilder s = new StringBuilder();
    s.append("A: ").append(nameA).append(", ").append(describe(a)).append(System.lineSeparator());
    s.append("B: ").append(nameB).append(", ").append(describe(b)).append(System.lineSeparator());
    s.append(
        String.format(
            Locale.ROOT,
            "%n%-46s %12s %12s %8s   %s%n",
            "series (medians)",
            "A",
            "B",
            "B/A",
            "ratio to the run's own floor, A -> B"));
    List<Row> rows = rows(a, b);
    for (Row r : rows) {
      String floors =
          Double.isNaN(r.floorA()) && Double.isNaN(r.floorB())
              ? ""
              : Units.ratio(r.floorA()) + " -> " + Units.ratio(r.floorB());
      s.append(
          String.format(
              Locale.ROOT,
              "%-46s %12s %12s %8s   %s%n",
              r.key(),
              Units.format(r.a(), r.unit()),
              Units.format(r.b(), r.unit()),
              Units.ratio(r.ratio()),
              floors));
    }
    List<String> onlyA = only(a, b);
    List<String> onlyB = only(b, a);
    if (!onlyA.isEmpty()) {
      s.append(String.format("%nonly in A: %s%n", String.join(", ", onlyA)));
    }
    if (!onlyB.isEmpty()) {
      s.append(String.format("%nonly in B: %s%n", String.join(", ", onlyB)));
    }
    if (rows.isEmpty()) {
      s.append(String.format("%nthe two runs have no series in common%n"));
    }
    out.print(s);
    out.flush();
  }

  private static String describe(BenchResult r) {
    Map<String, Object> m = r.machine();
    return String.format(
        Locale.ROOT,
        "started %s, %s cores, load average %s",
        r.started(),
        m.getOrDefault("cores", "?"),
        m.getOrDefault("loadAverage", "?"));
  }

  private static List<String> only(BenchResult x, BenchResult y) {
    List<String> keys = new ArrayList<>();
    for (Series s : y.series()) {
      keys.add(s.key());
    }
    List<String> out = new ArrayList<>();
    for (Series s : x.series()) {
      if (!keys.contains(s.key())) {
        out.add(s.key());
      }
    }
    return out;
  }
}
