package io.muster.cli.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class CollectedTest {

  @Test
  void eachRepetitionKeepsItsSlowestRank() {
    Collected c = new Collected();
    c.result("barrier", new long[] {10, 50, 30});
    c.result("barrier", new long[] {20, 40, 35});
    c.result("barrier", new long[] {15, 45, 5});
    assertArrayEquals(new long[] {20, 50, 35}, c.max().get("barrier"));
  }

  @Test
  void ranksWithoutValuesAreIgnoredAndShorterReportsLeaveTheRest() {
    Collected c = new Collected();
    c.result("pingpong.64B", new long[0]);
    assertFalse(c.max().containsKey("pingpong.64B"));
    c.result("open.warm", new long[] {5});
    c.result("open.warm", new long[] {3, 7});
    assertArrayEquals(new long[] {5, 7}, c.max().get("open.warm"));
  }

  @Test
  void samplesAddUpAndNotesAreKeptOnce() {
    Collected c = new Collected();
    c.samples("pingpong.64B", new long[] {1, 2});
    c.samples("pingpong.64B", new long[] {3});
    c.note("x");
    c.note("x");
    Collected all = new Collected();
    all.addAll(c);
    assertArrayEquals(new long[] {1, 2, 3}, all.samples().get("pingpong.64B"));
    assertEquals(List.of("x"), all.notes());
  }
}
