package io.muster.cli.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetsTest {
  private static Goal goal(List<Goal> goals, String start) {
    return goals.stream()
        .filter(g -> g.what().startsWith(start))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no goal starting with " + start + ": " + goals));
  }

  @Test
  void figuresAreCheckedAgainstTheFloorOfTheSameRun() {
    BenchResult r =
        new Results()
            .floor("pingpong.64B", 10_000, 68_000)
            .floor("throughput.64MiB", 3.0e9, 3.3e9)
            .time("tcp", "processes", 2, "pingpong.64B", 19_000, 19_000)
            .add("tcp", "processes", 2, "throughput.64MiB", "B/s", 2.0e9)
            .time("tcp", "processes", 2, "allGather", 16_000)
            .time("tcp", "processes", 2, "barrier", 14_000)
            .time("tcp", "processes", 8, "open.fresh", 4e6)
            .time("tcp", "processes", 8, "barrier", 151e3)
            .build();
    List<Goal> goals = Targets.of(r);

    Goal p2p = goal(goals, "point-to-point 64B round trip");
    assertTrue(p2p.met(), p2p.toString());
    assertEquals(20_000, p2p.limit());
    assertEquals(0.95, p2p.ratio(), 1e-9);

    Goal rate = goal(goals, "64MiB ping-pong throughput");
    assertFalse(rate.met(), "the better floor (3.3 GB/s) is the bound");
    assertEquals(3.3e9, rate.limit());

    assertFalse(goal(goals, "2-rank allGather").met(), "16 µs > 1.5 × 10 µs");
    assertTrue(goal(goals, "2-rank barrier").met());
    assertTrue(goal(goals, "8-rank open() in fresh").met());
    assertEquals("MISSED", goal(goals, "8-rank barrier").verdict());
    assertEquals("not measured", goal(goals, "8-rank allGather").verdict());
    assertEquals("not measured", goal(goals, "8-rank open() in warm").verdict());
  }

  @Test
  void theScaleRunIsCheckedAtItsLargestGroup() {
    BenchResult r =
        new Results()
            .time("tcp", "threads", 256, "open+allGather+barrier", 0.2e9)
            .time("tcp", "threads", 1024, "open+allGather+barrier", 3.5e9)
            .add("tcp", "threads", 1024, "sockets", "count", 24)
            .build();
    List<Goal> goals = Targets.of(r);
    Goal total = goal(goals, "1024 (the target is for 4096) ranks");
    assertFalse(total.met());
    Goal sockets = goal(goals, "1024 ranks: sockets per rank");
    assertEquals(24, sockets.limit(), "2·⌈log2 1024⌉+4");
    assertTrue(sockets.met());
  }
}
