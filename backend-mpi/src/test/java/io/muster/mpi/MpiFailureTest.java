package io.muster.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What happens when a rank fails under mpirun: the job ends promptly, with the cause printed,
 * rather than leaving the other ranks to wait out their five-minute timeout.
 */
class MpiFailureTest {
  /** Far below the ranks' own timeout (5 minutes): only MPI_Abort ends the job this soon. */
  private static final Duration PROMPTLY = Duration.ofSeconds(90);

  @BeforeAll
  static void mpi() {
    MpiJob.requireMpirun();
  }

  @Test
  @DisplayName("a rank whose main thread throws ends the job at once, its exception printed")
  void rankThrows() {
    MpiJob.Result r = MpiJob.run(3, List.of(), FailingRank.class, List.of("throw"), PROMPTLY);
    assertNotEquals(-1, r.exitCode, "the job hung; " + r);
    assertNotEquals(0, r.exitCode, "a failed job must not exit with 0; " + r);
    assertTrue(r.output.contains("rank 1 gives up on purpose"), "the cause is printed; " + r);
    assertTrue(r.output.contains("muster: rank 1 of 3 fails"), "the rank is named; " + r);
  }

  @Test
  @DisplayName("a rank that exits with its group open ends the job at once")
  void exitWithGroupOpen() {
    MpiJob.Result r = MpiJob.run(3, List.of(), FailingRank.class, List.of("exit"), PROMPTLY);
    assertNotEquals(-1, r.exitCode, "the job hung; " + r);
    assertNotEquals(0, r.exitCode, r.toString());
    assertTrue(r.output.contains("muster: rank 0 of 3 fails"), r.toString());
    assertTrue(r.output.contains("still open"), r.toString());
  }

  @Test
  @DisplayName("finalize=close ends MPI with the last group; opening again says why it cannot")
  void finalizeOnClose() {
    MpiJob.Result r =
        MpiJob.run(2, List.of(), FailingRank.class, List.of("finalizeClose"), PROMPTLY);
    assertEquals(0, r.exitCode, r.toString());
    assertEquals(2, r.output.lines().filter(l -> l.startsWith("PASS ")).count(), r.toString());
  }
}
