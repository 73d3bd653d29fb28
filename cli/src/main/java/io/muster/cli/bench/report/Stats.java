package io.muster.cli.bench.report;

import java.util.Arrays;
import java.util.List;

/**
 * Min, median, max and mean of a series of repetitions. The median is what runs are compared by: on
 * a shared machine one slow repetition says more about the neighbours than about the code.
 *
 * @param count how many values
 * @param min the smallest
 * @param median the middle value (the mean of the two middle ones for an even count)
 * @param max the largest
 * @param mean the arithmetic mean
 */
public record Stats(int count, double min, double median, double max, double mean) {

  /** The statistics of {@code values}; NaN everywhere for none. */
  public static Stats of(List<Double> values) {
    double[] v = new double[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = values.get(i);
    }
    return of(v);
  }

  /** The statistics of {@code values}; NaN everywhere for none. */
  public static Stats of(double... values) {
    if (values.length == 0) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    double sum = 0;
    for (double x : v) {
      sum += x;
    }
    return new Stats(n, v[0], median, v[n - 1], sum / n);
  }

  /**
   * The {@code p}-th percentile (0..100) of {@code values} by linear interpolation between the
   * closest ranks; NaN for none.
   */
  public static double percentile(double[] values, double p) {
    if (values.length == 0) {
      return Double.NaN;
    }
    if (p < 0 || p > 100) {
      throw new IllegalArgumentException("a percentile is 0..100, got " + p);
    }
    double[] v = values.clone();
    Arrays.sort(v);
    double at = p / 100 * (v.length - 1);
    int lo = (int) Math.floor(at);
    int hi = Math.min(lo + 1, v.length - 1);
    return v[lo] + (v[hi] - v[lo]) * (at - lo);
  }
}
