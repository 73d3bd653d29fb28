package io.muster.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The rules with one JVM per rank: {@link #processes()} (4) JVMs run {@link RankProcess} against
 * the same URI, and a rank is killed with SIGKILL to check rule 8 on a real process death. A
 * backend adopts it like {@link BootstrapConformanceKit}, with the same hook:
 *
 * <pre>{@code
 * class TcpProcessConformanceTest extends ProcessConformanceKit {
 *   @Override
 *   protected String groupUri(int size) {
 *     return "tcp://127.0.0.1:" + freePort();
 *   }
 * }
 * }</pre>
 *
 * Backends whose ranks must share a JVM ({@code local:}) opt out, visibly.
 */
public abstract class ProcessConformanceKit {
  /** How long one run of rank processes may take in all. */
  static final Duration RUN_LIMIT = Duration.ofMinutes(4);

  /**
   * A URI for a fresh, unique group of {@code size} ranks, each in its own JVM on this machine. It
   * must not set {@code rank} or {@code size}.
   */
  protected abstract String groupUri(int size);

  /** How soon survivors must see a killed peer (rule 8). */
  protected Duration peerLossBound() {
    return Duration.ofSeconds(5);
  }

  /** How many rank processes run the rules. */
  protected int processes() {
    return 4;
  }

  /** The options of each rank's JVM. */
  protected List<String> jvmOptions() {
    return List.of("-Xmx512m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  }

  @BeforeEach
  void processModeApplies() {
    String scheme = Uris.scheme(groupUri(processes()));
    Assumptions.assumeFalse(
        scheme.equals("local"),
        "local: ranks are threads of one JVM, so process mode does not apply to it");
  }

  private String uri(int size, String timeout) {
    return Uris.with(groupUri(size), "timeout", timeout);
  }

  @TestFactory
  @DisplayName("Rules 1 to 7 and 11, one JVM per rank")
  Stream<DynamicTest> rules() throws Exception {
    int n = processes();
    String uri = uri(n, "60s");
    List<List<String>> args = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      args.add(
          withBound(RankProcess.args(uri, r, n, Scenario.ids(Scenario.all())), "--deadline", "3m"));
    }
    List<ProcessGroup.Report> reports = run(args, Map.of());
    List<DynamicTest> tests = new ArrayList<>();
    for (Scenario s : Scenario.all()) {
      tests.add(DynamicTest.dynamicTest(s.title(), () -> expectPass(reports, s.id())));
    }
    tests.add(
        DynamicTest.dynamicTest(
            "Rule 11: close released every thread and descriptor, in every rank process",
            () -> expectPass(reports, "leaks")));
    tests.add(
        DynamicTest.dynamicTest(
            "every rank process exited with status 0",
            () -> {
              for (ProcessGroup.Report r : reports) {
                assertEquals(0, r.exitCode(), r.transcript());
              }
            }));
    return tests.stream();
  }

  @Test
  @DisplayName(
      "Rule 8: a rank killed with SIGKILL fails pending and later calls with PEER_LOST in time; survivors go on")
  void killedRank() throws Exception {
    int n = processes();
    String uri = uri(n, "60s");
    List<List<String>> args = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      List<String> a = RankProcess.args(uri, r, n, RankProcess.PEER_LOSS);
      a.addAll(List.of("--peer-loss-bound", peerLossBound().toMillis() + "ms", "--deadline", "2m"));
      args.add(a);
    }
    List<ProcessGroup.Report> reports = run(args, Map.of(n - 1, "ready-to-die"));
    ProcessGroup.Report victim = reports.get(n - 1);
    assertTrue(
        victim.killedAtMillis() > 0, "the last rank never got ready to die\n" + all(reports));
    for (ProcessGroup.Report r : reports.subList(0, n - 1)) {
      expectPass(List.of(r), RankProcess.PEER_LOSS);
      long lostAt = Long.parseLong(r.event("lost-at").trim());
      long ms = lostAt - victim.killedAtMillis();
      assertTrue(
          ms <= peerLossBound().toMillis(),
          "rank "
              + r.index()
              + " saw PEER_LOST "
              + ms
              + " ms after the kill; the bound is "
              + peerLossBound().toMillis()
              + " ms\n"
              + r.transcript());
    }
  }

  @Test
  @DisplayName("Rule 7: open times out naming the rank whose process never started")
  void openTimesOut() throws Exception {
    int n = processes();
    String uri = uri(n, "3s");
    List<List<String>> args = new ArrayList<>();
    for (int r = 0; r < n - 1; r++) {
      args.add(RankProcess.args(uri, r, n, RankProcess.OPEN));
    }
    for (ProcessGroup.Report r : run(args, Map.of())) {
      String[] open = openOutcome(r);
      assertEquals("TIMEOUT", open[0], "open of rank " + r.index() + "\n" + r.transcript());
      assertEquals("[" + (n - 1) + "]", open[2], "ranks() of the TIMEOUT\n" + r.transcript());
      long ms = Long.parseLong(open[1]);
      assertTrue(ms >= 2700 && ms <= 13_000, "timed out after " + ms + " ms, expected 3 s");
      assertTrue(
          Checks.mentions(open[3], n - 1), "the message names rank " + (n - 1) + ": " + open[3]);
    }
  }

  @Test
  @DisplayName("Rule 9: processes that disagree on the size fail fast with CONFIG")
  void differentSizes() throws Exception {
    String uri = groupUri(3);
    List<List<String>> args =
        List.of(
            RankProcess.args(Uris.with(uri, "timeout", "5s"), 0, 2, RankProcess.OPEN),
            RankProcess.args(Uris.with(uri, "timeout", "60s"), 1, 3, RankProcess.OPEN));
    List<ProcessGroup.Report> reports = run(args, Map.of());
    boolean fastConfig = false;
    for (ProcessGroup.Report r : reports) {
      String[] open = openOutcome(r);
      assertTrue(
          open[0].equals("CONFIG") || open[0].equals("TIMEOUT"),
          "open of ranks that disagree on the size must fail with CONFIG, got "
              + String.join(" ", open));
      fastConfig |=
          open[0].equals("CONFIG")
              && Long.parseLong(open[1]) <= 5000
              && open[3].toLowerCase(Locale.ROOT).contains("size");
    }
    assertTrue(fastConfig, "no rank failed fast with CONFIG naming the size\n" + all(reports));
  }

  private static String[] openOutcome(ProcessGroup.Report r) {
    String e = r.event("open");
    if (e == null) {
      fail("rank process " + r.index() + " reported no open outcome\n" + r.transcript());
    }
    String[] p = e.split(" ", 4);
    return new String[] {p[0], p[1], p[2], p.length > 3 ? p[3] : ""};
  }

  private static List<String> withBound(List<String> args, String option, String value) {
    List<String> a = new ArrayList<>(args);
    a.add(option);
    a.add(value);
    return a;
  }

  private List<ProcessGroup.Report> run(List<List<String>> args, Map<Integer, String> killOn)
      throws Exception {
    try (ProcessGroup g = ProcessGroup.start(args, jvmOptions(), killOn)) {
      return g.await(RUN_LIMIT);
    }
  }

  private static void expectPass(List<ProcessGroup.Report> reports, String scenario) {
    for (ProcessGroup.Report r : reports) {
      String[] result = r.result(scenario);
      if (result == null || !result[0].equals("PASS")) {
        fail(
            "rank process "
                + r.index()
                + ": "
                + scenario
                + " "
                + (result == null ? "reported nothing" : result[0] + " " + result[1])
                + "\n"
                + r.transcript());
      }
    }
  }

  private static String all(List<ProcessGroup.Report> reports) {
    return reports.stream().map(ProcessGroup.Report::transcript).collect(Collectors.joining("\n"));
  }
}
