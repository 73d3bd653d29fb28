package io.muster.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSettingsTest {

  @Test
  void settingsTravelToRankProcessesAsArguments() {
    BenchSettings s = new BenchSettings(3, 4, 5, List.of(64, 1 << 20));
    List<String> args = new java.util.ArrayList<>(List.of("ignored"));
    args.addAll(s.toArgs());
    assertEquals(s, BenchSettings.fromArgs(args.toArray(new String[0]), 1));
    BenchSettings none = new BenchSettings(0, 1, 1, List.of());
    assertEquals(none, BenchSettings.fromArgs(none.toArgs().toArray(new String[0]), 0));
  }

  @Test
  void largeGroupsDoFewerCollectivesPerRepetition() {
    BenchSettings s = BenchSettings.DEFAULT;
    assertEquals(200, s.iterationsFor(2));
    assertEquals(200, s.iterationsFor(16));
    assertEquals(12, s.iterationsFor(256));
    assertEquals(1, s.iterationsFor(4096));
    assertEquals(1, s.warmupFor(4096));
  }

  @Test
  void largeMessagesTakeFewerRoundTrips() {
    BenchSettings s = BenchSettings.DEFAULT;
    assertEquals(1000, s.pingPongIterations(64));
    assertEquals(128, s.pingPongIterations(1 << 20));
    assertEquals(2, s.pingPongIterations(64 << 20));
  }

  @Test
  void nonsenseIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new BenchSettings(-1, 1, 1, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new BenchSettings(0, 0, 1, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new BenchSettings(0, 1, 1, List.of(-5)));
    assertThrows(IllegalArgumentException.class, () -> Plan.fromArg("xy"));
  }

  @Test
  void plansRoundTrip() {
    for (Plan p :
        List.of(new Plan(false, true, false), Plan.FRESH_ONLY, new Plan(false, false, true))) {
      assertEquals(p, Plan.fromArg(p.toArg()));
    }
  }
}
