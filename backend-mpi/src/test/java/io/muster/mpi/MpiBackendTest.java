package io.muster.mpi;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Bootstrap contract on {@code mpi:} under a real mpirun, one JVM per rank: every scenario of
 * {@link MpiRank}, with both transports, on 2 and 4 ranks.
 */
class MpiBackendTest {
  private static final Duration LIMIT = Duration.ofMinutes(6);

  @BeforeAll
  static void mpi() {
    MpiJob.requireMpirun();
  }

  @ParameterizedTest(name = "{0} ranks, transport={1}")
  @CsvSource({"2, mpi", "4, mpi", "2, tcp", "4, tcp"})
  @DisplayName("every rule of the contract holds under mpirun")
  void contract(int ranks, String transport) {
    List<String> scenarios = new ArrayList<>(MpiRank.SCENARIOS.keySet());
    if (ranks > 2) {
      scenarios.remove("huge"); // 256 MiB on two ranks is enough for this machine
    }
    String uri = "mpi:?transport=" + transport;
    MpiJob.Result r = MpiJob.run(ranks, List.of(), MpiRank.class, args(uri, scenarios), LIMIT);
    assertEveryRankPassed(r, ranks, scenarios);
  }

  @Test
  @DisplayName("tags above MPI's bound and collectives in many rounds, with lowered limits")
  void loweredLimits() {
    // Three ranks (not a power of two) with MPI_TAG_UB lowered to 100 and MPI counts to 1000
    // bytes: user tags from 100 up travel with a prefix, and collectives take many rounds.
    List<String> scenarios = List.of("identity", "tags", "collectives", "groupBarrier");
    MpiJob.Result r =
        MpiJob.run(
            3,
            List.of("-Dmuster.mpi.maxTag=100", "-Dmuster.mpi.maxCount=1000"),
            MpiRank.class,
            args("mpi:", scenarios),
            LIMIT);
    assertEveryRankPassed(r, 3, scenarios);
  }

  @Test
  @DisplayName("mpi: without mpirun is a group of one (Open MPI's singleton)")
  void singleton() {
    List<String> scenarios = List.of("identity", "collectives", "close");
    MpiJob.Result r =
        MpiJob.runAlone(MpiRank.class, args("mpi:", scenarios), Duration.ofMinutes(2));
    assertEveryRankPassed(r, 1, scenarios);
  }

  static List<String> args(String uri, List<String> scenarios) {
    List<String> a = new ArrayList<>();
    a.add(uri);
    a.addAll(scenarios);
    return a;
  }

  static void assertEveryRankPassed(MpiJob.Result r, int ranks, List<String> scenarios) {
    Set<Integer> all = new TreeSet<>();
    IntStream.range(0, ranks).forEach(all::add);
    List<Executable> checks = new ArrayList<>();
    for (String s : scenarios) {
      checks.add(() -> assertEquals(all, r.passed(s), "ranks that passed " + s + "; " + r));
    }
    checks.add(() -> assertEquals(0, r.exitCode, "the job's exit code; " + r));
    assertAll(checks);
  }
}
