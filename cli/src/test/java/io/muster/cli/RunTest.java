package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** {@code muster run}: environment, prefixed output, fail-fast, time limit. */
@DisabledOnOs(OS.WINDOWS)
class RunTest {

  @Test
  void everyRankGetsItsRankSizeAndTheSameUriAndItsLinesArePrefixed() {
    Captured c =
        Captured.muster(
            "run",
            "-n",
            "3",
            "--",
            "sh",
            "-c",
            "echo \"$MUSTER_RANK/$MUSTER_SIZE $MUSTER_URI\"; echo \"oops $MUSTER_RANK\" >&2");
    assertEquals(0, c.code, c.toString());
    Matcher m =
        Pattern.compile("(?m)^\\[(\\d)] (\\d)/3 (tcp://127\\.0\\.0\\.1:\\d+\\?size=3)$")
            .matcher(c.out);
    List<String> uris = new ArrayList<>();
    boolean[] seen = new boolean[3];
    while (m.find()) {
      assertEquals(m.group(1), m.group(2), "the prefix is the child's own rank: " + c);
      seen[Integer.parseInt(m.group(1))] = true;
      uris.add(m.group(3));
    }
    assertEquals(3, uris.size(), c.toString());
    assertTrue(seen[0] && seen[1] && seen[2], c.toString());
    assertEquals(1, uris.stream().distinct().count(), "one group, one URI: " + c);
    for (int r = 0; r < 3; r++) {
      assertTrue(c.err.contains("[" + r + "] oops " + r + "\n"), "stderr is prefixed too: " + c);
    }
  }

  @Test
  void aGivenUriIsPassedAsIs() {
    Captured c =
        Captured.muster(
            "run",
            "-n",
            "2",
            "--uri",
            "redis://cache:6379?job=j",
            "--",
            "sh",
            "-c",
            "echo $MUSTER_URI");
    assertEquals(0, c.code, c.toString());
    assertTrue(c.out.contains("[0] redis://cache:6379?job=j\n"), c.toString());
    assertTrue(c.out.contains("[1] redis://cache:6379?job=j\n"), c.toString());
  }

  @Test
  void theFirstFailureStopsTheOtherRanksAndGivesItsExitCode(@TempDir Path dir) throws Exception {
    // Ranks 0 and 2 print their pid and a child's pid, then mark themselves ready and wait;
    // rank 1 fails once both are ready, so the launcher must stop them (and their children).
    String script =
        "if [ \"$MUSTER_RANK\" = 1 ]; then\n"
            + "  i=0; while [ ! -e ready-0 ] || [ ! -e ready-2 ]; do\n"
            + "    i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done\n"
            + "  echo 'rank 1 gives up' >&2; exit 3\n"
            + "fi\n"
            + "sleep 120 & echo \"pids $$ $!\"; touch ready-$MUSTER_RANK; wait\n";
    long start = System.nanoTime();
    Captured c =
        Captured.muster("run", "-n", "3", "--", "sh", "-c", "cd '" + dir + "' && " + script);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertEquals(3, c.code, c.toString());
    assertTrue(
        c.err.contains("rank 1 exited with code 3: rank 1 gives up; stopped the others"),
        c.toString());
    assertTrue(took.compareTo(Duration.ofSeconds(60)) < 0, "fails fast, took " + took);
    Matcher m = Pattern.compile("(?m)^\\[[02]] pids (\\d+) (\\d+)$").matcher(c.out);
    int pids = 0;
    while (m.find()) {
      for (int g = 1; g <= 2; g++) {
        long pid = Long.parseLong(m.group(g));
        assertFalse(
            ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
            "process " + pid + " was stopped: " + c);
        pids++;
      }
    }
    assertEquals(4, pids, c.toString());
  }

  @Test
  void theTimeLimitStopsEveryRankWithCode124() {
    Captured c = Captured.muster("run", "-n", "2", "--timeout", "500ms", "--", "sleep", "120");
    assertEquals(124, c.code, c.toString());
    assertTrue(c.err.contains("waiting for ranks [0, 1] (stopped)"), c.toString());
  }

  @Test
  void aCommandThatCannotStartGivesCode127() {
    Captured c = Captured.muster("run", "-n", "2", "--", "/nonexistent/muster-test-command");
    assertEquals(127, c.code, c.toString());
    assertTrue(c.err.contains("could not start rank 0"), c.toString());
  }

  @Test
  void optionsAfterTheCommandBelongToTheCommand() {
    Captured c = Captured.muster("run", "-n", "1", "sh", "-c", "echo -n 5; echo");
    assertEquals(0, c.code, c.toString());
    assertTrue(c.out.contains("[0] 5\n") || c.out.contains("[0] -n 5\n"), c.toString());
  }
}
