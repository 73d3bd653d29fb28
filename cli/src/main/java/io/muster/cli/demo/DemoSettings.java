package io.muster.cli.demo;

import java.util.List;

/**
 * How much work each demo rank does; handed from the launcher to the rank processes as arguments.
 *
 * @param warmup untimed operations before each timed phase
 * @param iterations timed operations per phase; the table shows their mean
 * @param pingPongBytes the message size of the ping-pong between ranks 0 and 1
 * @param rounds timed ping-pong round trips (after one untimed)
 */
public record DemoSettings(int warmup, int iterations, int pingPongBytes, int rounds) {
  /** The lead's numbers: 50 warm-up, 200 timed operations, five 64 MiB round trips. */
  public static final DemoSettings DEFAULT = new DemoSettings(50, 200, 64 << 20, 5);

  public DemoSettings {
    if (warmup < 0 || iterations < 1 || pingPongBytes < 0 || rounds < 1) {
      throw new IllegalArgumentException(
          "demo settings out of range: warmup "
              + warmup
              + ", iterations "
              + iterations
              + ", ping-pong bytes "
              + pingPongBytes
              + ", rounds "
              + rounds);
    }
  }

  /** These settings as arguments for {@link DemoRank#main}. */
  public List<String> toArgs() {
    return List.of(
        Integer.toString(warmup),
        Integer.toString(iterations),
        Integer.toString(pingPongBytes),
        Integer.toString(rounds));
  }

  /** The settings that {@link #toArgs()} wrote. */
  public static DemoSettings fromArgs(String[] args) {
    if (args.length != 4) {
      throw new IllegalArgumentException(
          "expected 4 arguments (warmup, iterations, ping-pong bytes, rounds), got " + args.length);
    }
    return new DemoSettings(
        Integer.parseInt(args[0]),
        Integer.parseInt(args[1]),
        Integer.parseInt(args[2]),
        Integer.parseInt(args[3]));
  }
}
