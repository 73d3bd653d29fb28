package io.muster.cli.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the ranks of one launch reported: per metric, the maximum over ranks of each repetition's
 * value (the slowest rank is what the group waits for), individual samples, and notes.
 */
final class Collected {
  private final Map<String, long[]> max = new LinkedHashMap<>();
  private final Map<String, long[]> samples = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();

  /**
   * Adds one rank's values; a rank with fewer repetitions leaves the others' values as they are.
   */
  synchronized void result(String metric, long[] values) {
    if (values.length == 0) {
      return;
    }
    long[] m = max.get(metric);
    if (m == null) {
      max.put(metric, values.clone());
      return;
    }
    if (m.length < values.length) {
      m = java.util.Arrays.copyOf(m, values.length);
      for (int i = max.get(metric).length; i < m.length; i++) {
        m[i] = Long.MIN_VALUE;
      }
      max.put(metric, m);
    }
    for (int i = 0; i < values.length; i++) {
      m[i] = Math.max(m[i], values[i]);
    }
  }

  synchronized void samples(String metric, long[] values) {
    samples.merge(metric, values.clone(), Collected::concat);
  }

  synchronized void note(String text) {
    if (!notes.contains(text)) {
      notes.add(text);
    }
  }

  /** Everything of {@code other} added to this, as if its ranks had reported here. */
  synchronized void addAll(Collected other) {
    synchronized (other) {
      other.max.forEach(this::result);
      other.samples.forEach(this::samples);
      other.notes.forEach(this::note);
    }
  }

  synchronized Map<String, long[]> max() {
    return new LinkedHashMap<>(max);
  }

  synchronized Map<String, long[]> samples() {
    return new LinkedHashMap<>(samples);
  }

  synchronized List<String> notes() {
    return new ArrayList<>(notes);
  }

  private static long[] concat(long[] a, long[] b) {
    long[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
