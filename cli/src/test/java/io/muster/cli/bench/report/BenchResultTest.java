package io.muster.cli.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchResultTest {

  @Test
  void aResultSurvivesTheJsonRoundTrip() {
    BenchResult r =
        new Results()
            .floor("pingpong.64B", 10_000, 60_000)
            .time("tcp", "processes", 2, "allGather", 15_000, 14_500.5, 16_000)
            .add("tcp", "threads", 4096, "sockets", "count", 28)
            .note("allToAll is left out above 64 ranks")
            .build();
    Series withSamples =
        new Series("tcp", "processes", 2, "pingpong.64B", "ns", List.of(1.0, 2.0), List.of(3.0));
    r =
        new BenchResult(
            r.started(),
            r.seconds(),
            r.machine(),
            r.settings(),
            append(r.series(), withSamples),
            r.notes());

    BenchResult back = BenchResult.fromJson(r.toJson());

    assertEquals(r.started(), back.started());
    assertEquals(r.seconds(), back.seconds());
    assertEquals(r.notes(), back.notes());
    assertEquals(r.series(), back.series());
    assertEquals(2.0, back.machine().get("cores"));
    assertEquals(List.of(1.5, 2.0, 2.5), back.machine().get("loadAverage"));
    assertEquals(15_000, back.median("tcp", "processes", 2, "allGather"));
    assertEquals(List.of(3.0), back.find("tcp", "processes", 2, "pingpong.64B").get().samples());
  }

  private static List<Series> append(List<Series> l, Series s) {
    List<Series> out = new java.util.ArrayList<>(l);
    out.add(s);
    return out;
  }

  @Test
  void theFileSaysWhichSeriesItHolds() {
    String json = new Results().time("local", "threads", 8, "barrier", 5, 6, 7).build().toJson();
    assertTrue(json.contains("\"format\": \"muster-bench/1\""), json);
    assertTrue(json.contains("\"metric\": \"barrier\""), json);
    assertTrue(json.contains("\"median\": 6"), json);
    assertTrue(json.contains("\"values\": [5, 6, 7]"), json);
  }

  @Test
  void otherJsonIsNotTakenForAResult(@TempDir Path dir) throws IOException {
    assertThrows(IllegalArgumentException.class, () -> BenchResult.fromJson("{\"a\": 1}"));
    Path f = dir.resolve("other.json");
    Files.writeString(f, "[1, 2]");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BenchResult.read(f));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
  }

  @Test
  void subjectsAndSizesAreListedFloorsApart() {
    BenchResult r =
        new Results()
            .floor("pingpong.64B", 1, 2)
            .time("tcp", "processes", 8, "barrier", 1)
            .time("tcp", "processes", 2, "barrier", 1)
            .time("local", "threads", 4, "barrier", 1)
            .build();
    assertEquals(List.of(List.of("tcp", "processes"), List.of("local", "threads")), r.targets());
    assertEquals(List.of(2, 8), r.ranks("tcp", "processes"));
  }
}
