package io.muster.conformance;

import static io.muster.conformance.Checks.PROMPT;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Durations;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One rank of a process-mode conformance run: opens the group, runs the scenarios and prints one
 * machine-readable line per result. {@link ProcessGroup} starts one per rank; it also runs under a
 * launcher such as {@code mpirun} or {@code srun}, taking rank and size from the environment:
 *
 * <pre>
 * mpirun -n 4 java -cp … io.muster.conformance.RankProcess --uri mpi:
 * java -cp … io.muster.conformance.RankProcess --uri tcp://10.0.0.1:29500 --rank 0 --size 4
 * </pre>
 *
 * <p>Options: {@code --uri URI} (required), {@code --rank R} and {@code --size N} (else from the
 * URI or the environment), {@code --scenarios rule1,rule2,…} (default: all but rule 8), {@code
 * rule8} to check peer loss (the last rank dies), {@code open} to only report how open ends, {@code
 * --self-kill} (the dying rank halts itself rather than wait for {@code kill -9}), {@code
 * --peer-loss-bound 5s}, {@code --deadline 5m} and {@code --watch-parent} (exit when standard input
 * closes). Each result line reads {@code #muster-conformance RANK result SCENARIO PASS|FAIL|SKIP
 * detail}; events read {@code #muster-conformance RANK event NAME value…}. The exit status is 0
 * when nothing failed.
 */
public final class RankProcess {
  /** The start of every line meant for the parent. */
  public static final String PREFIX = "#muster-conformance ";

  /** The process-mode peer-loss scenario (rule 8): needs a fresh group of its own. */
  static final String PEER_LOSS = "rule8";

  /** Only open the group and report how that ended (rules 7 and 9 in process mode). */
  static final String OPEN = "open";

  private final PrintStream out;
  private String rank = "?";
  private boolean failed;

  private RankProcess(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    int status;
    try {
      status = new RankProcess(System.out).run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("RankProcess: " + e.getMessage());
      status = 2;
    } catch (Throwable t) {
      System.out.println(PREFIX + "? result run FAIL " + oneLine(describe(t)));
      status = 1;
    }
    System.out.flush();
    // Backends may leave daemon threads; halt rather than run shutdown hooks the test did not ask
    // for.
    Runtime.getRuntime().halt(status);
  }

  private int run(String[] args) {
    String uri = null;
    int rankArg = Integer.MIN_VALUE;
    int sizeArg = Integer.MIN_VALUE;
    String scenarios = Scenario.ids(Scenario.all());
    boolean selfKill = false;
    boolean watchParent = false;
    Duration bound = Duration.ofSeconds(5);
    Duration deadline = Duration.ofMinutes(5);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--uri":
          uri = value(args, ++i, a);
          break;
        case "--rank":
          rankArg = Integer.parseInt(value(args, ++i, a));
          break;
        case "--size":
          sizeArg = Integer.parseInt(value(args, ++i, a));
          break;
        case "--scenarios":
          scenarios = value(args, ++i, a);
          break;
        case "--self-kill":
          selfKill = true;
          break;
        case "--watch-parent":
          watchParent = true;
          break;
        case "--peer-loss-bound":
          bound = Durations.parse(value(args, ++i, a));
          break;
        case "--deadline":
          deadline = Durations.parse(value(args, ++i, a));
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a + "; see the class Javadoc");
      }
    }
    if (uri == null) {
      throw new IllegalArgumentException("--uri URI is required");
    }
    if ((rankArg == Integer.MIN_VALUE) != (sizeArg == Integer.MIN_VALUE)) {
      throw new IllegalArgumentException("give both --rank and --size, or neither");
    }
    List<String> names = Arrays.asList(scenarios.split(","));
    if (rankArg != Integer.MIN_VALUE) {
      rank = String.valueOf(rankArg);
    }
    startWatchdog(deadline, watchParent);

    Leaks before = Leaks.snapshot();
    long start = System.nanoTime();
    Bootstrap b;
    try {
      b =
          rankArg == Integer.MIN_VALUE
              ? Bootstrap.open(uri)
              : Bootstrap.open(uri, rankArg, sizeArg);
    } catch (RuntimeException e) {
      long ms = (System.nanoTime() - start) / 1_000_000;
      if (names.contains(OPEN)) {
        BootstrapException be = e instanceof BootstrapException ? (BootstrapException) e : null;
        event(
            "open",
            (be == null ? e.getClass().getSimpleName() : be.code().toString())
                + " "
                + ms
                + " "
                + (be == null ? "[]" : be.ranks().toString().replace(" ", ""))
                + " "
                + oneLine(String.valueOf(e.getMessage())));
        result(OPEN, "PASS", "open ended: " + e);
        return 0;
      }
      result("open", "FAIL", "open failed after " + ms + " ms: " + e);
      return 1;
    }
    rank = String.valueOf(b.rank());
    if (names.contains(OPEN)) {
      event("open", "OPENED " + (System.nanoTime() - start) / 1_000_000 + " [] rank " + rank);
      b.close();
      result(OPEN, "PASS", "opened");
      return 0;
    }
    try {
      for (String name : names) {
        if (failed) {
          result(name, "SKIP", "not run: an earlier scenario failed on this rank");
        } else if (name.equals(PEER_LOSS)) {
          peerLoss(b, selfKill, bound);
        } else {
          runScenario(b, Scenario.byId(name));
        }
      }
    } finally {
      b.close();
    }
    if (!failed) {
      try {
        before.assertReleased(Group.CLOSE_BOUND);
        result("leaks", "PASS", "close released every thread and descriptor");
      } catch (AssertionError e) {
        result("leaks", "FAIL", e.getMessage());
      }
    }
    return failed ? 1 : 0;
  }

  private void runScenario(Bootstrap b, Scenario s) {
    long start = System.nanoTime();
    try {
      s.run(b);
      result(s.id(), "PASS", (System.nanoTime() - start) / 1_000_000 + " ms");
    } catch (Throwable t) {
      result(s.id(), "FAIL", describe(t));
      b.close(); // the other ranks learn at once, rather than at their timeout
    }
  }

  /**
   * Rule 8 in real processes: the last rank dies (killed by the parent, or by halting itself) once
   * every rank is past a barrier. Each survivor has a recv from it and an allGather pending. The
   * recv must fail with PEER_LOST naming it in time, later calls too, and the survivors go on among
   * themselves ({@code rule8-p2p}); the allGather must fail the same way, and so must a barrier
   * started afterwards ({@code rule8-collective}). {@code rule8} sums both up.
   */
  private void peerLoss(Bootstrap b, boolean selfKill, Duration bound) {
    int n = b.size();
    int victim = n - 1;
    int[] survivors = IntStream.range(0, victim).toArray();
    if (n < 2) {
      result(PEER_LOSS, "SKIP", "needs two ranks or more");
      return;
    }
    String step = "barrier";
    Task<List<byte[]>> gather = null;
    boolean p2p = false;
    try {
      b.barrier();
      if (b.rank() == victim) {
        step = "hearing from every survivor";
        for (int s : survivors) {
          b.recv(s, 80, PROMPT);
        }
        event("ready-to-die", String.valueOf(System.currentTimeMillis()));
        if (selfKill) {
          event("dying-at", String.valueOf(System.currentTimeMillis()));
          out.flush();
          Runtime.getRuntime().halt(137);
        }
        Thread.sleep(Long.MAX_VALUE); // until killed; the watchdog ends it at the deadline
        return;
      }
      b.send(victim, 80, new byte[1]);
      gather = Task.start("allGather", () -> b.allGather(new byte[8]));
      step = "a recv pending as rank " + victim + " dies";
      Task<byte[]> pending = Task.start("recv", () -> b.recv(victim, 81, PROMPT));
      Throwable f = pending.failure(step, PROMPT);
      event("lost-at", String.valueOf(System.currentTimeMillis()));
      BootstrapConformanceKit.assertCodeAndRank(f, Code.PEER_LOST, victim, step);
      step = "later calls that need rank " + victim;
      Checks.expect(Code.PEER_LOST, "recv from the dead rank", () -> b.recv(victim, 82, PROMPT));
      Checks.expect(Code.PEER_LOST, "send to the dead rank", () -> b.send(victim, 82, new byte[1]));
      step = "the survivors going on with point-to-point messages";
      int next = (b.rank() + 1) % survivors.length;
      int prev = (b.rank() - 1 + survivors.length) % survivors.length;
      b.send(next, 83, Payloads.header(4, b.rank()));
      int got = Payloads.fields(b.recv(prev, 83, PROMPT), 1, "survivor ring")[0];
      if (got != prev) {
        throw new AssertionError("survivor ring: expected rank " + prev + ", got " + got);
      }
      p2p = true;
      result(PEER_LOSS + "-p2p", "PASS", "recv and send fail with PEER_LOST naming " + victim);

      step = "an allGather pending as rank " + victim + " died";
      Throwable g = gather.failure(step, bound.plusSeconds(5));
      BootstrapConformanceKit.assertCodeAndRank(g, Code.PEER_LOST, victim, step);
      step = "a barrier started after rank " + victim + " died";
      Throwable later = Task.run("barrier", b::barrier).failure(step, bound.plusSeconds(5));
      BootstrapConformanceKit.assertCodeAndRank(later, Code.PEER_LOST, victim, step);
      b.groupBarrier(survivors); // the survivors' collectives go on; nobody closes too early
      result(PEER_LOSS + "-collective", "PASS", "collectives fail with PEER_LOST naming " + victim);
      result(PEER_LOSS, "PASS", "PEER_LOST naming rank " + victim + "; survivors went on");
    } catch (Throwable t) {
      String why = step + ": " + describe(t);
      result(PEER_LOSS + (p2p ? "-collective" : "-p2p"), "FAIL", why);
      result(PEER_LOSS, "FAIL", why);
    }
  }

  private void startWatchdog(Duration deadline, boolean watchParent) {
    Thread timer =
        new Thread(
            () -> {
              try {
                Thread.sleep(deadline.toMillis());
                result("deadline", "FAIL", "still running after " + Durations.format(deadline));
                out.flush();
                Runtime.getRuntime().halt(3);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "conformance-deadline");
    timer.setDaemon(true);
    timer.start();
    if (watchParent) {
      Thread watch =
          new Thread(
              () -> {
                try {
                  while (System.in.read() >= 0) {
                    // the parent writes nothing; end of input means it is gone
                  }
                } catch (IOException e) {
                  // treat as gone
                }
                Runtime.getRuntime().halt(4);
              },
              "conformance-parent-watch");
      watch.setDaemon(true);
      watch.start();
    }
  }

  private synchronized void result(String scenario, String status, String detail) {
    if (status.equals("FAIL")) {
      failed = true;
    }
    out.println(PREFIX + rank + " result " + scenario + " " + status + " " + oneLine(detail));
    out.flush();
  }

  private synchronized void event(String name, String value) {
    out.println(PREFIX + rank + " event " + name + " " + value);
    out.flush();
  }

  static String describe(Throwable t) {
    StringBuilder s = new StringBuilder(String.valueOf(t));
    StackTraceElement[] st = t.getStackTrace();
    for (int i = 0; i < Math.min(6, st.length); i++) {
      s.append(" | at ").append(st[i]);
    }
    return s.toString();
  }

  static String oneLine(String s) {
    return s.replace('\r', ' ').replace("\n", " | ");
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** For tests: the options that run {@code scenarios} as {@code rank} of {@code size}. */
  static List<String> args(String uri, int rank, int size, String scenarios) {
    List<String> a = new ArrayList<>(List.of("--uri", uri, "--scenarios", scenarios));
    if (rank != Integer.MIN_VALUE) {
      a.addAll(List.of("--rank", String.valueOf(rank), "--size", String.valueOf(size)));
    }
    return a;
  }
}
