package io.muster.cli.bench;

import io.muster.Bootstrap;

/**
 * What a rank's {@link Workload} talks to: it gives the common start signal and collects results.
 * Over a socket when ranks are processes ({@link ControlLink}), in memory when they are threads
 * ({@link ThreadsConductor}).
 */
interface Conductor {
  /**
   * The common start of a phase.
   *
   * @param nanos {@code System.nanoTime()} when the signal was given; on Linux every process reads
   *     the same monotonic clock, so ranks in other processes may subtract it from theirs
   * @param uri the group to open
   */
  record Signal(long nanos, String uri) {}

  /** Waits until every rank is ready for {@code phase}, then returns the common start. */
  Signal ready(String phase);

  /**
   * A point every rank passes together where the JVM as a whole is measured (heap, sockets), in
   * threads mode; nothing with a process per rank.
   */
  default void measure(String point, Bootstrap group) {}

  /**
   * This rank's values of {@code metric}, one per repetition; the report keeps the max over ranks.
   */
  void result(String metric, long... values);

  /** Individual operations behind a histogram (rank 0 only). */
  void samples(String metric, long... values);

  /** What rank 0 is doing now, for the progress bar. */
  void progress(String what);
}
