package io.muster.cli.bench.report;

/**
 * One of the project's speed targets, checked against a run.
 *
 * @param subject the backend and mode it applies to, e.g. {@code tcp processes}
 * @param what the target in words, e.g. {@code 8-rank barrier ≤ 150 µs}
 * @param measured the median measured, NaN when the run did not measure it
 * @param unit the unit of {@code measured} and {@code limit}
 * @param limit the bound
 * @param atLeast whether the bound is a minimum (throughput) rather than a maximum (time)
 */
public record Goal(
    String subject, String what, double measured, String unit, double limit, boolean atLeast) {

  public boolean wasMeasured() {
    return !Double.isNaN(measured) && !Double.isNaN(limit);
  }

  public boolean met() {
    return wasMeasured() && (atLeast ? measured >= limit : measured <= limit);
  }

  /** Measured over limit: below 1 is good for times, above 1 for throughput. */
  public double ratio() {
    return measured / limit;
  }

  /** {@code met}, {@code MISSED} or {@code not measured}. */
  public String verdict() {
    return !wasMeasured() ? "not measured" : met() ? "met" : "MISSED";
  }
}
