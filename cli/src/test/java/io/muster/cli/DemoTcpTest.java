package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code muster demo} end to end: rank processes over tcp on loopback. */
class DemoTcpTest {

  @Test
  void twoRankProcessesPassEveryPhaseWithTheDefaultSettings() {
    Captured c = Captured.muster("demo", "-n", "2");
    assertEquals(0, c.code, c.toString());
    String time = "\\d+(\\.\\d+)?(ns|us|ms|s)";
    for (String row : new String[] {"0", "1", "max"}) {
      assertTrue(
          Pattern.compile("(?m)^\\[0]  +" + row + "( +" + time + "){4}$").matcher(c.out).find(),
          "a row for " + row + ": " + c);
    }
    assertTrue(
        Pattern.compile("(?m)^\\[0] ping-pong rank 0 <-> 1: 64 MiB messages, 5 round trips, ")
            .matcher(c.out)
            .find(),
        c.toString());
    assertTrue(
        Pattern.compile(
                "(?m)^demo OK: 2 ranks over tcp://127\\.0\\.0\\.1:\\d+\\?size=2&timeout=1m in ")
            .matcher(c.out)
            .find(),
        c.toString());
  }

  @Test
  void aRankThatCannotJoinFailsTheDemoNamingTheRankAndTheError() {
    // No coordinator listens there, so every rank fails in open; the first to exit is reported.
    int port = GroupUris.freeLoopbackPort();
    Captured c =
        Captured.muster(
            "demo",
            "-n",
            "2",
            "--uri",
            "tcp://127.0.0.1:" + port + "?coordinator=external&timeout=1s");
    assertEquals(1, c.code, c.toString());
    assertTrue(
        Pattern.compile(
                "(?m)^demo FAILED: rank (\\d) exited with code 1: rank \\1 failed in open: \\[UNAVAILABLE] ")
            .matcher(c.err)
            .find(),
        c.toString());
  }
}
