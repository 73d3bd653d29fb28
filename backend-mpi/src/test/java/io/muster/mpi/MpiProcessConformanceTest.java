package io.muster.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.muster.conformance.RankProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The conformance kit's process mode on {@code mpi:}: its {@link RankProcess} on every rank of a
 * real mpirun job, which gives rank and size (the kit's own {@code ProcessConformanceKit} starts
 * plain JVMs, which are no MPI job). Every scenario must pass on every rank.
 *
 * <p>{@code finalize=close}: RankProcess ends with {@code Runtime.halt}, which skips the JVM-exit
 * {@code MPI_Finalize}. Rule 11's leak check then sees two descriptors that are not Muster's to
 * release: Open MPI keeps its shared-memory segment ({@code /dev/shm/open_mpi.*}) after {@code
 * MPI_Finalize}, and libffi, under JNA's direct mapping, keeps the file behind its trampolines
 * ({@code /tmp/ffi*}) for the life of the process. The check passes when those are all it finds.
 * What the kit cannot run under mpirun: rule 8 (mpirun ends the job when a process dies), rule 7's
 * open timeout for a process that never starts, and rule 9's ranks that disagree on the size (MPI
 * gives them all one); {@link MpiFailureTest} and {@link MpiRank}'s scenarios cover what is true of
 * those under MPI.
 */
class MpiProcessConformanceTest {
  /** The scenarios RankProcess runs by default: rules 1 to 7 and 11. */
  private static final List<String> RULES =
      List.of("rule1", "rule2", "rule3", "rule4", "rule5", "rule6", "rule7", "rule11");

  private static final Pattern RESULT =
      Pattern.compile(
          "^" + Pattern.quote(RankProcess.PREFIX) + "(\\d+) result (\\S+) (PASS|FAIL|SKIP) ?(.*)$",
          Pattern.MULTILINE);

  /** Descriptors of native runtimes that live as long as the process (see the class comment). */
  private static final Pattern NATIVE_RUNTIME =
      Pattern.compile(
          "descriptor \\d+ -> (/dev/shm/open_mpi\\.\\S+|/tmp/ffi\\S+)( \\(deleted\\))?");

  @BeforeAll
  static void mpi() {
    MpiJob.requireMpirun();
  }

  @ParameterizedTest(name = "{0} ranks, transport={1}")
  @CsvSource({"2, mpi", "4, mpi", "2, tcp", "4, tcp"})
  @DisplayName("the kit's RankProcess passes every rule on every rank under mpirun")
  void kitUnderMpirun(int ranks, String transport) {
    String uri = "mpi:?finalize=close&timeout=60s&transport=" + transport;
    MpiJob.Result r =
        MpiJob.run(
            ranks,
            List.of("-Xmx1g"),
            RankProcess.class,
            List.of("--uri", uri, "--deadline", "5m"),
            Duration.ofMinutes(6));
    Map<Integer, Map<String, String[]>> results = new HashMap<>();
    Matcher m = RESULT.matcher(r.output);
    while (m.find()) {
      results
          .computeIfAbsent(Integer.parseInt(m.group(1)), k -> new HashMap<>())
          .put(m.group(2), new String[] {m.group(3), m.group(4)});
    }
    for (int rank = 0; rank < ranks; rank++) {
      Map<String, String[]> mine = results.getOrDefault(rank, Map.of());
      for (String rule : RULES) {
        String[] res = mine.get(rule);
        if (res == null || !res[0].equals("PASS")) {
          fail(
              "rank "
                  + rank
                  + ": "
                  + rule
                  + " "
                  + (res == null ? "reported nothing" : res[0] + " " + res[1])
                  + "\n"
                  + r);
        }
      }
      String[] leaks = mine.get("leaks");
      if (leaks == null) {
        fail("rank " + rank + " reported no leak check\n" + r);
      }
      if (!leaks[0].equals("PASS")) {
        assertOnlyNativeRuntimeDescriptors(rank, leaks[1], r);
      }
      List<String> others = new ArrayList<>(mine.keySet());
      others.removeAll(RULES);
      others.remove("leaks");
      for (String other : others) {
        assertEquals("PASS", mine.get(other)[0], "rank " + rank + ": " + other + "\n" + r);
      }
    }
  }

  private static void assertOnlyNativeRuntimeDescriptors(int rank, String detail, MpiJob.Result r) {
    // "still held 10000 ms after close (…): |  descriptor 22 -> /dev/shm/… |  descriptor 18 -> …"
    String[] items = detail.split("\\|");
    int found = 0;
    for (int i = 1; i < items.length; i++) {
      String item = items[i].trim();
      if (item.isEmpty()) {
        continue;
      }
      assertTrue(
          NATIVE_RUNTIME.matcher(item).matches(),
          "rank " + rank + " held after close something of its own: " + item + "\n" + r);
      found++;
    }
    assertTrue(found > 0, "rank " + rank + ": a leak check failed without naming what\n" + r);
  }
}
