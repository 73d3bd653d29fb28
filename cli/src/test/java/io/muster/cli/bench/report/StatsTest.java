package io.muster.cli.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

  @Test
  void anOddCountHasTheMiddleValueAsMedian() {
    Stats s = Stats.of(5, 1, 9, 3, 7);
    assertEquals(5, s.count());
    assertEquals(1, s.min());
    assertEquals(5, s.median());
    assertEquals(9, s.max());
    assertEquals(5, s.mean());
  }

  @Test
  void anEvenCountAveragesTheTwoMiddleValues() {
    Stats s = Stats.of(List.of(10.0, 40.0, 20.0, 30.0));
    assertEquals(25, s.median());
    assertEquals(10, s.min());
    assertEquals(40, s.max());
    assertEquals(25, s.mean());
  }

  @Test
  void oneSlowRepetitionDoesNotMoveTheMedian() {
    assertEquals(11, Stats.of(10, 11, 12, 1_000_000).median() - 0.5);
  }

  @Test
  void noValuesGiveNaNRatherThanAnException() {
    Stats s = Stats.of();
    assertEquals(0, s.count());
    assertTrue(Double.isNaN(s.median()) && Double.isNaN(s.min()) && Double.isNaN(s.max()));
  }

  @Test
  void theInputIsNotReordered() {
    double[] v = {3, 1, 2};
    Stats.of(v);
    Stats.percentile(v, 50);
    assertEquals(3, v[0]);
    assertEquals(1, v[1]);
  }

  @Test
  void percentilesInterpolateBetweenRanks() {
    double[] v = {1, 2, 3, 4, 5};
    assertEquals(1, Stats.percentile(v, 0));
    assertEquals(3, Stats.percentile(v, 50));
    assertEquals(5, Stats.percentile(v, 100));
    assertEquals(4.6, Stats.percentile(v, 90), 1e-9);
    assertTrue(Double.isNaN(Stats.percentile(new double[0], 50)));
    assertThrows(IllegalArgumentException.class, () -> Stats.percentile(v, 101));
  }
}
