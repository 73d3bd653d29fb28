package io.muster.cli.bench;

import io.muster.cli.bench.report.BenchResult;
import io.muster.cli.bench.report.Metrics;
import io.muster.cli.bench.report.Series;
import io.muster.cli.launch.Launcher;
import io.muster.cli.launch.Outcome;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs a whole bench: the floor once, then every target at every group size, each in fresh JVMs
 * started with the CLI's {@link Launcher}; returns what was measured.
 */
public final class Bench {
  /** allToAll connects every pair of ranks; above this many, the bench leaves it out. */
  static final int ALL_TO_ALL_MAX = 64;

  private static final Set<String> FRESH =
      Set.of(Metrics.OPEN_FRESH, Metrics.SIGNAL_FRESH, Metrics.FIRST_TOTAL);

  private final BenchSettings settings;
  private final List<Subject> subjects;
  private final List<Integer> ranks;
  private final int launches;
  private final boolean floor;
  private final Duration timeout;
  private final Duration groupTimeout;
  private final JvmCommand jvm;
  private final List<String> jvmOptions;
  private final PrintStream err;
  private final Progress progress;
  private final String run = Long.toString(ThreadLocalRandom.current().nextLong() >>> 24, 36);
  private final List<Series> series = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private boolean failed;

  /**
   * @param ranks the group sizes, each run for every target
   * @param launches fresh JVM launches per target and size (the fresh-open samples)
   * @param floor whether to measure the plain-socket floor first
   * @param timeout the most one launch may take
   * @param groupTimeout the {@code timeout=} of each group's URI
   * @param jvmOptions passed to every JVM started (say, a flight recording)
   * @param err where the rank processes' output goes
   */
  public Bench(
      BenchSettings settings,
      List<Subject> subjects,
      List<Integer> ranks,
      int launches,
      boolean floor,
      Duration timeout,
      Duration groupTimeout,
      JvmCommand jvm,
      List<String> jvmOptions,
      PrintStream err,
      Progress progress) {
    this.settings = settings;
    this.subjects = List.copyOf(subjects);
    this.ranks = List.copyOf(ranks);
    this.launches = launches;
    this.floor = floor;
    this.timeout = timeout;
    this.groupTimeout = groupTimeout;
    this.jvm = jvm;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.err = err;
    this.progress = progress;
  }

  /** How many progress steps {@link #run} takes. */
  public static int steps(int subjects, int sizes, int launches, boolean floor) {
    return subjects * sizes * launches + (floor ? 1 : 0);
  }

  /** True when some part failed; the result then has a note saying which. */
  public boolean failed() {
    return failed;
  }

  /** Runs everything; a part that fails is noted and the rest goes on. */
  public BenchResult run(Map<String, Object> settingsNotes) {
    Instant started = Instant.now();
    long start = System.nanoTime();
    Map<String, Object> machine = Machine.notes();
    if (floor) {
      attempt("floor (plain SocketChannel ping-pong)", this::floor);
    }
    for (Subject t : subjects) {
      int smallest = Integer.MAX_VALUE;
      for (int n : ranks) {
        if (n >= 2) {
          smallest = Math.min(smallest, n);
        }
      }
      for (int n : ranks) {
        boolean pingPong = n == smallest;
        round(t, n, pingPong);
      }
    }
    progress.finish();
    // The load at the end says how busy the machine was during the run.
    machine.put(
        "loadAverageAfter",
        Machine.loadAverage(java.lang.management.ManagementFactory.getOperatingSystemMXBean()));
    return new BenchResult(
        started.toString(),
        (System.nanoTime() - start) / 1e9,
        machine,
        settingsNotes,
        series,
        notes);
  }

  private void attempt(String what, Runnable part) {
    progress.begin(what);
    try {
      part.run();
    } catch (BenchFailure | java.io.UncheckedIOException e) {
      failed = true;
      notes.add(what + " failed: " + e.getMessage());
      progress.finish();
      err.println("muster bench: " + what + " failed: " + e.getMessage());
    } finally {
      progress.end();
    }
  }

  private void floor() {
    int port = Groups.freePort("127.0.0.1");
    Collected c =
        launch(
            Floor.class,
            settings.toArgs(),
            2,
            1,
            "tcp://127.0.0.1:" + port,
            () -> {
              throw new IllegalStateException("the floor opens no group");
            });
    for (Map.Entry<String, long[]> e : c.max().entrySet()) {
      String[] f = e.getKey().split("/", 2);
      addSeries(f[0], Subject.PROCESSES, 2, f[1], e.getValue(), c.samples().get(e.getKey()));
    }
  }

  private void round(Subject t, int n, boolean pingPong) {
    String label = t.backend() + " " + t.mode() + " n=" + n;
    Groups groups = new Groups(t.uri(), run + "-" + t.backend() + "-" + n, groupTimeout);
    Map<String, List<Long>> fresh = new LinkedHashMap<>();
    Collected first = null;
    for (int k = 0; k < launches; k++) {
      Plan plan = k == 0 ? new Plan(false, pingPong, n <= ALL_TO_ALL_MAX) : Plan.FRESH_ONLY;
      String step = label + (launches > 1 ? " (launch " + (k + 1) + "/" + launches + ")" : "");
      Collected[] got = new Collected[1];
      attempt(step, () -> got[0] = launchRanks(t, n, plan, groups));
      if (got[0] == null) {
        if (k == 0) {
          for (int skip = 1; skip < launches; skip++) {
            progress.end();
          }
          return; // the full launch failed; more fresh launches would too
        }
        continue;
      }
      if (k == 0) {
        first = got[0];
      }
      for (Map.Entry<String, long[]> e : got[0].max().entrySet()) {
        if (FRESH.contains(e.getKey())) {
          for (long v : e.getValue()) {
            fresh.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(v);
          }
        }
      }
    }
    if (n > ALL_TO_ALL_MAX) {
      note(
          "allToAll is left out above "
              + ALL_TO_ALL_MAX
              + " ranks: every rank exchanges with every other (N² messages; over tcp, a socket per"
              + " pair of ranks)");
    }
    for (Map.Entry<String, List<Long>> e : fresh.entrySet()) {
      long[] v = e.getValue().stream().mapToLong(Long::longValue).toArray();
      addSeries(t.backend(), t.mode(), n, e.getKey(), v, null);
    }
    if (first != null) {
      for (Map.Entry<String, long[]> e : first.max().entrySet()) {
        if (!FRESH.contains(e.getKey())) {
          addSeries(
              t.backend(), t.mode(), n, e.getKey(), e.getValue(), first.samples().get(e.getKey()));
        }
      }
      first.notes().forEach(this::note);
    }
  }

  private void note(String text) {
    if (!notes.contains(text)) {
      notes.add(text);
    }
  }

  private Collected launchRanks(Subject t, int n, Plan plan, Groups groups) {
    List<String> args = new ArrayList<>(settings.toArgs());
    args.add(plan.toArg());
    if (t.mode().equals(Subject.THREADS)) {
      args.add(Integer.toString(n));
      args.add(t.uri());
      args.add(
          run + "-" + t.backend() + "-" + n + "-" + ThreadLocalRandom.current().nextInt(1 << 20));
      args.add(Long.toString(groupTimeout.toMillis()));
      return launch(ThreadsRun.class, args, 1, 1, t.uri(), groups::next);
    }
    return launch(BenchRank.class, args, n, n, t.uri(), groups::next);
  }

  /**
   * Starts {@code processes} JVMs of {@code main} with the launcher (for {@code mpi:}, one mpirun
   * starts them) and serves their control connections until every participant is done.
   */
  private Collected launch(
      Class<?> main,
      List<String> args,
      int processes,
      int participants,
      String launcherUri,
      Supplier<String> nextUri) {
    try (Control control = Control.open()) {
      Launcher launcher =
          Launcher.forGroup(processes, launcherUri, jvm.command(main, jvmOptions, args))
              .environment(Map.of(ControlLink.ENV, control.address()))
              .timeout(timeout)
              .output(err, err);
      FutureTask<Outcome> launch = new FutureTask<>(launcher::run);
      Thread runner = new Thread(launch, "muster-bench-launch");
      runner.setDaemon(true);
      runner.start();
      try {
        Collected c = control.serve(participants, nextUri, progress::detail, launch, timeout);
        Outcome o = launch.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!o.succeeded()) {
          throw new BenchFailure(o.describe());
        }
        return c;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchFailure("interrupted");
      } catch (ExecutionException | TimeoutException e) {
        throw new BenchFailure("the launch did not end: " + e);
      } finally {
        if (!launch.isDone()) {
          runner.interrupt(); // the launcher then stops every process it started
        }
        try {
          runner.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private void addSeries(
      String backend, String mode, int n, String metric, long[] values, long[] samples) {
    List<Double> v = new ArrayList<>();
    for (long x : values) {
      v.add((double) x);
    }
    List<Double> s = new ArrayList<>();
    if (samples != null) {
      for (long x : samples) {
        s.add((double) x);
      }
    }
    series.add(new Series(backend, mode, n, metric, unit(metric), v, s));
    if (metric.startsWith("pingpong.")) {
      int bytes = bytesOf(metric);
      List<Double> rate = new ArrayList<>();
      for (long x : values) {
        rate.add(x <= 0 ? Double.NaN : 2.0 * bytes / (x / 1e9));
      }
      series.add(new Series(backend, mode, n, Metrics.throughput(bytes), "B/s", rate));
    }
  }

  private int bytesOf(String pingPongMetric) {
    for (int b : settings.pingPongSizes()) {
      if (Metrics.pingPong(b).equals(pingPongMetric)) {
        return b;
      }
    }
    throw new IllegalArgumentException("no ping-pong size for " + pingPongMetric);
  }

  static String unit(String metric) {
    switch (metric) {
      case Metrics.SOCKETS:
      case Metrics.SOCKET_FDS:
      case Metrics.THREADS:
        return "count";
      case Metrics.HEAP:
      case Metrics.DIRECT:
        return "bytes";
      default:
        return "ns";
    }
  }

  /** Settings worth recording in the result file. */
  public static Map<String, Object> describe(
      BenchSettings s, List<Subject> subjects, List<Integer> ranks, int launches) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Object> t = new ArrayList<>();
    for (Subject x : subjects) {
      Map<String, Object> one = new HashMap<>();
      one.put("backend", x.backend());
      one.put("uri", x.shown());
      one.put("mode", x.mode());
      t.add(new LinkedHashMap<>(one));
    }
    m.put("subjects", t);
    m.put("ranks", new ArrayList<>(ranks));
    m.put("launches", launches);
    m.put("warmup", s.warmup());
    m.put("repetitions", s.repetitions());
    m.put("iterations", s.iterations());
    m.put("pingPongSizes", new ArrayList<>(s.pingPongSizes()));
    m.put("blockBytes", Workload.BLOCK);
    return m;
  }
}
