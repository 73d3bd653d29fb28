package io.muster.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The process-mode runner on the one group {@code local:} can form across a process boundary: a
 * single rank in a JVM of its own. It checks the launch (same Java, same class path), the result
 * lines and the exit status. (Killing a rank needs a group that spans processes: the tcp backend's
 * adoption of {@link ProcessConformanceKit} checks it.)
 */
class RankProcessTest {
  @Test
  void aSingleRankProcessRunsEveryScenarioAndReportsEach() throws Exception {
    List<String> args = RankProcess.args("local:solo", 0, 1, Scenario.ids(Scenario.all()));
    List<ProcessGroup.Report> reports;
    try (ProcessGroup g = ProcessGroup.start(List.of(args), List.of("-Xmx512m"), Map.of())) {
      reports = g.await(Duration.ofMinutes(2));
    }
    ProcessGroup.Report r = reports.get(0);
    for (Scenario s : Scenario.all()) {
      String[] result = r.result(s.id());
      assertNotNull(result, s.id() + " reported nothing\n" + r.transcript());
      assertEquals("PASS", result[0], s.id() + ": " + result[1] + "\n" + r.transcript());
    }
    assertEquals("PASS", r.result("leaks")[0], r.transcript());
    assertEquals(0, r.exitCode(), r.transcript());
  }

  @Test
  void anOpenThatTimesOutIsReportedAsAnEvent() throws Exception {
    // one rank of two: its open times out naming rank 1
    List<String> open = RankProcess.args("local:alone?timeout=500ms", 0, 2, RankProcess.OPEN);
    List<ProcessGroup.Report> reports;
    try (ProcessGroup g = ProcessGroup.start(List.of(open), List.of("-Xmx256m"), Map.of())) {
      reports = g.await(Duration.ofMinutes(1));
    }
    ProcessGroup.Report r = reports.get(0);
    String event = r.event("open");
    assertNotNull(event, r.transcript());
    assertTrue(event.startsWith("TIMEOUT ") && event.contains(" [1] "), event);
    assertEquals(0, r.exitCode(), r.transcript());
  }
}
