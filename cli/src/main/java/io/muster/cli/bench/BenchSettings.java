package io.muster.cli.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * How much work each measurement does; handed from the command to the rank processes as arguments.
 *
 * @param warmup untimed operations before each timed series
 * @param repetitions timed repetitions per series (min/median/max are over these)
 * @param iterations operations per repetition of a collective in a small group (large groups do
 *     fewer, see {@link #iterationsFor})
 * @param pingPongSizes message sizes of the point-to-point ping-pong, in bytes
 */
public record BenchSettings(
    int warmup, int repetitions, int iterations, List<Integer> pingPongSizes) {

  /** 50 warm-up, 10 repetitions of 200 operations, ping-pong of 64 B, 1 MiB and 64 MiB. */
  public static final BenchSettings DEFAULT =
      new BenchSettings(50, 10, 200, List.of(64, 1 << 20, 64 << 20));

  /** A ping-pong repetition moves about this much, so large messages take few round trips. */
  private static final long PING_PONG_BYTES_PER_REPETITION = 128L << 20;

  public BenchSettings {
    pingPongSizes = List.copyOf(pingPongSizes);
    if (warmup < 0 || repetitions < 1 || iterations < 1) {
      throw new IllegalArgumentException(
          "warm-up must be at least 0, repetitions and iterations at least 1; got "
              + warmup
              + ", "
              + repetitions
              + ", "
              + iterations);
    }
    for (int s : pingPongSizes) {
      if (s < 0) {
        throw new IllegalArgumentException("a ping-pong size must be at least 0, got " + s);
      }
    }
  }

  /**
   * Collective operations per repetition in a group of {@code ranks}: all of them up to 16 ranks,
   * then fewer in proportion, at least 1 (an allGather of 4096 ranks moves 1 GiB).
   */
  public int iterationsFor(int ranks) {
    return (int) Math.max(1, Math.min(iterations, (long) iterations * 16 / Math.max(1, ranks)));
  }

  /** Untimed operations before the timed ones, never more than one repetition's worth. */
  public int warmupFor(int ranks) {
    return Math.min(warmup, iterationsFor(ranks));
  }

  /** Round trips per repetition for a message of {@code bytes}: 5 × iterations for small ones. */
  public int pingPongIterations(int bytes) {
    long byBytes = PING_PONG_BYTES_PER_REPETITION / Math.max(1, bytes);
    return (int) Math.max(2, Math.min(5L * iterations, byBytes));
  }

  /** These settings as arguments for a rank process. */
  public List<String> toArgs() {
    List<String> sizes = new ArrayList<>();
    for (int s : pingPongSizes) {
      sizes.add(Integer.toString(s));
    }
    return List.of(
        Integer.toString(warmup),
        Integer.toString(repetitions),
        Integer.toString(iterations),
        sizes.isEmpty() ? "-" : String.join(",", sizes));
  }

  /** The settings {@link #toArgs()} wrote, from {@code args[from..from+3]}. */
  public static BenchSettings fromArgs(String[] args, int from) {
    if (args.length < from + 4) {
      throw new IllegalArgumentException(
          "expected 4 settings arguments (warm-up, repetitions, iterations, sizes) from index "
              + from
              + ", got "
              + (args.length - from));
    }
    List<Integer> sizes = new ArrayList<>();
    if (!args[from + 3].equals("-")) {
      for (String s : args[from + 3].split(",")) {
        sizes.add(Integer.parseInt(s));
      }
    }
    return new BenchSettings(
        Integer.parseInt(args[from]),
        Integer.parseInt(args[from + 1]),
        Integer.parseInt(args[from + 2]),
        sizes);
  }
}
