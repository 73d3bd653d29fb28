package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.cli.demo.DemoRank;
import io.muster.cli.demo.DemoSettings;
import io.muster.cli.launch.Launcher;
import io.muster.cli.launch.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The demo's rank processes as the launcher starts them (same java, same class path, group from the
 * environment), over {@code local:}, which one process can open alone.
 */
class DemoProcessTest {
  private static final DemoSettings SMALL = new DemoSettings(2, 5, 1024, 1);

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private Outcome launch(int n, String uri) {
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      return Launcher.of(n, uri, JavaCommand.forMain(DemoRank.class, SMALL.toArgs()))
          .timeout(Duration.ofSeconds(60))
          .output(o, e)
          .run();
    }
  }

  private String printed() {
    return "--- stdout\n"
        + out.toString(StandardCharsets.UTF_8)
        + "--- stderr\n"
        + err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aRankProcessJoinsFromTheEnvironmentAndReports() {
    Outcome o = launch(1, "local:solo");
    assertTrue(o.succeeded(), o.describe() + "\n" + printed());
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("[0] 1 rank; open() time"), printed());
    assertTrue(text.matches("(?s).*\\[0]  +0 .*\\[0]  +max .*"), printed());
  }

  @Test
  void aRankThatFailsIsReportedWithItsLastLine() {
    // Two processes cannot meet over local:, so each times out in open.
    Outcome o = launch(2, "local:apart?timeout=1s");
    assertEquals(Outcome.Status.RANK_FAILED, o.status(), printed());
    assertEquals(1, o.exitCode());
    assertTrue(
        o.describe()
            .startsWith(
                "rank "
                    + o.rank()
                    + " exited with code 1: rank "
                    + o.rank()
                    + " failed in open: [TIMEOUT] timed out after 1s"),
        o.describe());
  }
}
