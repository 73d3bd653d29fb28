package io.muster.cli.demo;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Rank 0's report: a row of timings per rank, the slowest rank per phase, and the ping-pong. */
final class Summary {
  private static final String ROW = "%5s %10s %10s %10s %10s%n";

  private Summary() {}

  static void print(
      PrintStream out, DemoSettings settings, List<Timings> ranks, PingPong pingPong) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "%d rank%s; open() time, then mean time per operation over %d after %d warm-up%n",
            ranks.size(),
            ranks.size() == 1 ? "" : "s",
            settings.iterations(),
            settings.warmup()));
    s.append(String.format(Locale.ROOT, ROW, "rank", "open", "allGather", "ring", "barrier"));
    Timings max = ranks.get(0);
    for (int r = 0; r < ranks.size(); r++) {
      s.append(row(Integer.toString(r), ranks.get(r)));
      max = max.max(ranks.get(r));
    }
    s.append(row("max", max));
    if (pingPong == null) {
      s.append("ping-pong: skipped, it needs 2 ranks").append(System.lineSeparator());
    } else {
      s.append(
          String.format(
              Locale.ROOT,
              "ping-pong rank 0 <-> 1: %s messages, %d round trips, %s (%s per round trip)%n",
              size(pingPong.bytes()),
              pingPong.rounds(),
              rate(pingPong.bytesPerSecond()),
              time(pingPong.nanos() / pingPong.rounds())));
    }
    out.print(s);
    out.flush();
  }

  private static String row(String label, Timings t) {
    return String.format(
        Locale.ROOT,
        ROW,
        label,
        time(t.open()),
        time(t.allGather()),
        time(t.ring()),
        time(t.barrier()));
  }

  /** A duration in the unit that keeps three or four significant digits. */
  static String time(long nanos) {
    if (nanos < 1_000) {
      return nanos + "ns";
    }
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fus", nanos / 1e3);
    }
    if (nanos < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.1fms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2fs", nanos / 1e9);
  }

  static String size(long bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " B";
  }

  static String rate(double bytesPerSecond) {
    double mib = bytesPerSecond / (1 << 20);
    return mib >= 1024
        ? String.format(Locale.ROOT, "%.2f GiB/s", mib / 1024)
        : String.format(Locale.ROOT, "%.1f MiB/s", mib);
  }
}
