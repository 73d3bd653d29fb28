package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.cli.bench.report.BenchResult;
import io.muster.cli.bench.report.Series;
import io.muster.conformance.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code muster bench} end to end, with tiny iteration counts: the files it writes and the series
 * in them. No timing is asserted; the figures are whatever this machine gives.
 */
class BenchCommandTest {
  private static final String[] TINY = {
    "--repetitions", "2", "--iterations", "3", "--warmup", "1", "--ping-pong-sizes", "64,4KiB"
  };

  private static String[] args(Path out, String... more) {
    List<String> a = new java.util.ArrayList<>(List.of("bench", "--out", out.toString()));
    a.addAll(List.of(TINY));
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  private static BenchResult read(Path dir) throws IOException {
    assertTrue(Files.isRegularFile(dir.resolve("bench.json")), "bench.json in " + dir);
    return BenchResult.read(dir.resolve("bench.json"));
  }

  private static Series series(BenchResult r, String backend, String mode, int n, String metric) {
    Optional<Series> s = r.find(backend, mode, n, metric);
    assertTrue(
        s.isPresent(), backend + " " + mode + " n=" + n + " " + metric + " in " + r.series());
    assertTrue(s.get().values().stream().allMatch(v -> v > 0), s.get().toString());
    return s.get();
  }

  @Test
  void localRanksAsThreadsGiveEverySeriesAndAReport(@TempDir Path dir) throws IOException {
    Captured c = Captured.muster(args(dir, "--uri", "local", "-n", "2", "--no-floor"));
    assertEquals(0, c.code, c.toString());
    BenchResult r = read(dir);
    for (String metric :
        List.of(
            "open.fresh",
            "open.warm",
            "open+allGather+barrier",
            "allGather",
            "broadcast",
            "allToAll",
            "barrier",
            "pingpong.64B",
            "pingpong.4KiB",
            "throughput.4KiB")) {
      series(r, "local", "threads", 2, metric);
    }
    assertEquals(2, series(r, "local", "threads", 2, "open.warm").values().size());
    assertEquals(
        30,
        series(r, "local", "threads", 2, "pingpong.64B").samples().size(),
        "every timed 64 B round trip: 2 repetitions of 5 × 3");
    assertTrue(r.find("local", "threads", 2, "heapPerRank").isPresent(), r.series().toString());
    assertTrue(
        r.notes().stream().anyMatch(n -> n.startsWith("local: runs with ranks as threads")),
        r.notes().toString());

    String html = Files.readString(dir.resolve("bench.html"), StandardCharsets.UTF_8);
    assertTrue(html.startsWith("<!DOCTYPE html>"), html);
    assertTrue(html.contains("<svg") && html.contains("allGather of 64 B per rank"), html);
    assertTrue(!html.matches("(?s).*(src|href)=\"https?:.*"), "nothing fetched from the network");
    assertTrue(html.contains("id=\"muster-bench-data\""), "the data travels with the report");
    assertTrue(c.out.contains("local, threads: median per operation"), c.toString());
    assertTrue(c.out.contains("wrote " + dir.resolve("bench.json")), c.toString());
  }

  @Test
  void tcpProcessesAreMeasuredAgainstTheFloor(@TempDir Path dir) throws IOException {
    Captured c = Captured.muster(args(dir, "-n", "2", "--launches", "2"));
    assertEquals(0, c.code, c.toString());
    BenchResult r = read(dir);
    for (String floor : List.of("floor-spinning", "floor-blocking")) {
      series(r, floor, "processes", 2, "pingpong.64B");
      series(r, floor, "processes", 2, "throughput.4KiB");
    }
    assertEquals(
        2,
        series(r, "tcp", "processes", 2, "open.fresh").values().size(),
        "one fresh open per launch");
    for (String metric : List.of("open.warm", "allGather", "barrier", "allToAll", "pingpong.64B")) {
      series(r, "tcp", "processes", 2, metric);
    }
    Series sockets = series(r, "tcp", "processes", 2, "sockets");
    assertTrue(sockets.median() <= 4, "a listener, the coordinator link, one peer: " + sockets);
    assertTrue(
        c.out.matches("(?s).*\\n  pingpong\\.64B +\\S+ \\d+(\\.\\d+)?x.*"),
        "the ping-pong with its ratio to the floor: " + c);
    assertTrue(c.out.contains("point-to-point 64B round trip <= 2 x the spinning floor"), c.out);

    String html = Files.readString(dir.resolve("bench.html"), StandardCharsets.UTF_8);
    for (String section :
        List.of(
            "Targets",
            "Muster against the floor",
            "Scaling",
            "Round trips one by one",
            "Time per repetition",
            "floor spinning")) {
      assertTrue(html.contains(section), section);
    }
  }

  @Test
  void redisAndZooKeeperServicesAreStartedMeasuredAndStopped(@TempDir Path dir) throws IOException {
    Prerequisites.require("redis-server", "redis-server");
    Captured c =
        Captured.muster(args(dir, "--uri", "redis", "--uri", "zk", "-n", "2", "--no-floor"));
    assertEquals(0, c.code, c.toString());
    BenchResult r = read(dir);
    for (String backend : List.of("redis", "zk")) {
      for (String metric : List.of("open.fresh", "open.warm", "allGather", "barrier")) {
        series(r, backend, "processes", 2, metric);
      }
    }
    // the services were stopped: nothing of theirs still runs as a child of this JVM
    assertEquals(
        List.of(),
        ProcessHandle.current()
            .descendants()
            .filter(ProcessHandle::isAlive)
            .map(p -> p.info().commandLine().orElse("pid " + p.pid()))
            .filter(line -> line.contains("redis-server") || line.contains("ZooKeeperServerMain"))
            .toList());
  }

  @Test
  void mpiRanksAreStartedByMpirunAndMeasured(@TempDir Path dir) throws IOException {
    Prerequisites.require("mpirun", "openmpi-bin", "libopenmpi-dev");
    Captured c =
        Captured.muster(args(dir, "--uri", "mpi", "-n", "2", "--launches", "1", "--no-floor"));
    assertEquals(0, c.code, c.toString());
    BenchResult r = read(dir);
    for (String metric :
        List.of("open.fresh", "open.warm", "allGather", "barrier", "pingpong.64B")) {
      series(r, "mpi", "processes", 2, metric);
    }
  }

  @Test
  void compareReadsTwoResultFiles(@TempDir Path dir) throws IOException {
    Path a = dir.resolve("a.json");
    Path b = dir.resolve("b.json");
    Files.writeString(a, result(100));
    Files.writeString(b, result(150));
    Captured c = Captured.muster("bench", "--compare", a.toString(), b.toString());
    assertEquals(0, c.code, c.toString());
    assertTrue(c.out.matches("(?s).*tcp processes n=2 barrier +100ns +150ns +1\\.50x.*"), c.out);

    Captured missing =
        Captured.muster("bench", "--compare", a.toString(), dir.resolve("nope.json").toString());
    assertEquals(1, missing.code, missing.toString());
    assertTrue(missing.err.contains("nope.json: no such file"), missing.toString());
  }

  @Test
  void reportDrawsTheHtmlAgainFromAResultFile(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("run.json");
    Files.writeString(json, result(100));
    Path out = dir.resolve("again");
    Captured c = Captured.muster("bench", "--report", json.toString(), "--out", out.toString());
    assertEquals(0, c.code, c.toString());
    String html = Files.readString(out.resolve("bench.html"), StandardCharsets.UTF_8);
    assertTrue(html.contains("barrier of 64 B per rank"), html);
    assertTrue(Files.readString(out.resolve("vs-floor.svg")).startsWith("<svg"));
    assertTrue(c.out.contains("tcp, processes: median per operation"), c.toString());
  }

  private static String result(double barrier) {
    Series s = new Series("tcp", "processes", 2, "barrier", "ns", List.of(barrier));
    return new BenchResult("now", 1, java.util.Map.of(), java.util.Map.of(), List.of(s), List.of())
        .toJson();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bench --mode fibers                      | --mode must be processes or threads",
        "bench -n 0                               | a group has at least 1 rank",
        "bench --repetitions 0                    | must be at least 1",
        "bench --uri tcp://h:1?rank=0             | remove rank=",
        "bench --uri tcp://h:1?size=2             | remove size=",
        "bench --uri gopher://h:1                 | no backend on the class path serves 'gopher:'",
        "bench --uri gopher                       | this build cannot set up gopher",
        "bench --uri env:                         | env: names no group of its own",
        "bench --compare a.json                   | requires at least 2 values",
      })
  void badCommandLinesExitWith2(String args, String message) {
    Captured c = Captured.muster(args.trim().split(" +"));
    assertEquals(2, c.code, c.toString());
    assertTrue(c.err.contains(message), c.toString());
  }
}
