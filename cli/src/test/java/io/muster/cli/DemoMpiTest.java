package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.conformance.Prerequisites;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code muster demo --uri mpi:}: one real mpirun starts the rank processes. */
class DemoMpiTest {

  @Test
  void mpirunStartsTheRanksAndEachGetsItsOwnRank() {
    Prerequisites.require("mpirun", "openmpi-bin", "libopenmpi-dev");
    Captured c =
        Captured.muster(
            "demo", "-n", "3", "--uri", "mpi:", "--iterations", "20", "--ping-pong-size", "1MiB");
    assertEquals(0, c.code, c.toString());
    String time = "\\d+(\\.\\d+)?(ns|us|ms|s)";
    for (String row : new String[] {"0", "1", "2", "max"}) {
      // mpirun tags each line with its job and rank: [1,0]<stdout>:
      assertTrue(
          Pattern.compile("(?m)^\\[\\d+,0]<stdout>: +" + row + "( +" + time + "){4}$")
              .matcher(c.out)
              .find(),
          "a row for " + row + ": " + c);
    }
    assertTrue(c.out.contains("demo OK: 3 ranks over mpi:"), c.toString());
  }

  @Test
  void aRankInTheUriIsRefusedSinceMpirunGivesEachRankItsOwn() {
    Captured c = Captured.muster("demo", "-n", "2", "--uri", "mpi:?rank=1");
    assertEquals(2, c.code, c.toString());
    assertTrue(c.err.contains("remove rank="), c.toString());
  }
}
