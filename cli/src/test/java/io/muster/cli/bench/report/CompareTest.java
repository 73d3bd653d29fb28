package io.muster.cli.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompareTest {
  private final BenchResult a =
      new Results()
          .floor("pingpong.64B", 10_000, 60_000)
          .time("tcp", "processes", 2, "barrier", 20_000)
          .time("tcp", "processes", 8, "barrier", 100_000)
          .build();
  private final BenchResult b =
      new Results()
          .floor("pingpong.64B", 20_000, 70_000)
          .time("tcp", "processes", 2, "barrier", 30_000)
          .time("local", "threads", 2, "barrier", 1_000)
          .build();

  @Test
  void rowsHoldTheRatioAndEachRunsOwnFloorRatio() {
    List<Compare.Row> rows = Compare.rows(a, b);
    Compare.Row barrier =
        rows.stream().filter(r -> r.key().equals("tcp processes n=2 barrier")).findFirst().get();
    assertEquals(1.5, barrier.ratio(), 1e-9);
    assertEquals(2.0, barrier.floorA(), 1e-9);
    assertEquals(1.5, barrier.floorB(), 1e-9, "slower in absolute terms, closer to its floor");
    assertEquals(3, rows.size(), "two floor series and the shared barrier");
  }

  @Test
  void thePrintoutNamesBothFilesAndWhatOnlyOneHas() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Compare.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), "a.json", a, "b.json", b);
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.startsWith("A: a.json, started 2025-01-01T00:00:00Z, 2 cores"), out);
    assertTrue(
        out.matches(
            "(?s).*tcp processes n=2 barrier +20\\.0us +30\\.0us +1\\.50x +2\\.00x -> 1\\.50x.*"),
        out);
    assertTrue(out.contains("only in A: tcp processes n=8 barrier"), out);
    assertTrue(out.contains("only in B: local threads n=2 barrier"), out);
  }
}
