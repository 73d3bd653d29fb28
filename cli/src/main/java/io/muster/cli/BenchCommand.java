package io.muster.cli;

import io.muster.BootstrapException;
import io.muster.cli.bench.Bench;
import io.muster.cli.bench.BenchSettings;
import io.muster.cli.bench.Progress;
import io.muster.cli.bench.Services;
import io.muster.cli.bench.Subject;
import io.muster.cli.bench.report.BenchResult;
import io.muster.cli.bench.report.Compare;
import io.muster.cli.bench.report.HtmlReport;
import io.muster.cli.bench.report.TextReport;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code muster bench}: speed and scale, measured against the plain-socket floor. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure open(), the collectives and point-to-point against the physical floor.",
      "First the floor: a ping-pong between two JVMs over plain SocketChannels, blocking and"
          + " busy-polling. Then, for each backend and group size, ranks in fresh JVMs open a"
          + " group from a common start signal, open more groups warm, and time allGather,"
          + " broadcast, allToAll and barrier of 64 B per rank and a ping-pong of 64 B, 1 MiB and"
          + " 64 MiB. Every figure is a median over repetitions of the slowest rank, also shown as"
          + " a ratio to the floor of the same run. Writes bench.json and a self-contained"
          + " bench.html (and vs-floor.svg, the chart of Muster against the floor) to --out.",
      "With --mode threads, ranks are threads of one JVM (the scale run), which adds sockets,"
          + " heap and threads per rank."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:everything was measured (whether or not the targets were met)",
      "1:a part failed (the report says which) or a --compare file is unreadable",
      "2:bad command line"
    })
final class BenchCommand implements Callable<Integer> {
  @ParentCommand Muster muster;
  @Spec CommandSpec spec;

  @Option(
      names = "--uri",
      paramLabel = "URI",
      description = {
        "a backend to measure; repeat for several. A scheme alone sets it up here: tcp (loopback,"
            + " the default), local (threads of one JVM), all (every backend this build can set"
            + " up). A full URI (no rank= or size=) uses a running service; tcp://HOST:0 takes a"
            + " free port for each group."
      })
  List<String> uris = new ArrayList<>();

  @Option(
      names = {"-n", "--ranks"},
      paramLabel = "N",
      split = ",",
      description = "group sizes (default: 2,4,8; with --mode threads 256,1024,4096)")
  List<Integer> ranks;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      description =
          "processes: a JVM per rank (default); threads: ranks as threads of one JVM (local: always"
              + " runs this way)")
  String mode;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "where bench.json and bench.html go (default: bench-results/<date-time>)")
  Path out;

  @Option(
      names = "--repetitions",
      paramLabel = "R",
      description = "timed repetitions per figure (default: 10; threads mode 5)")
  Integer repetitions;

  @Option(
      names = "--iterations",
      paramLabel = "I",
      defaultValue = "200",
      description =
          "collective operations per repetition up to 16 ranks, fewer above (default:"
              + " ${DEFAULT-VALUE}; ping-pongs do 5 × I small round trips)")
  int iterations;

  @Option(
      names = "--warmup",
      paramLabel = "W",
      defaultValue = "50",
      description = "untimed operations before each figure (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(
      names = "--launches",
      paramLabel = "L",
      description =
          "fresh JVM launches per backend and size, for open() in fresh JVMs (default:"
              + " 3; threads mode 1)")
  Integer launches;

  @Option(
      names = "--ping-pong-sizes",
      paramLabel = "SIZE",
      split = ",",
      converter = Converters.SizeConverter.class,
      description = "point-to-point message sizes (default: 64,1MiB,64MiB)")
  List<Integer> pingPongSizes;

  @Option(names = "--no-floor", description = "skip the plain-socket floor (no ratios then)")
  boolean noFloor;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10m",
      converter = Converters.DurationConverter.class,
      description = "the most one launch of ranks may take (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(
      names = "--jvm-option",
      paramLabel = "OPT",
      description =
          "an option for every JVM the bench starts; repeat for several (e.g."
              + " -XX:StartFlightRecording=filename=/tmp/rec/ to profile the ranks)")
  List<String> jvmOptions = new ArrayList<>();

  @Option(
      names = "--compare",
      arity = "2",
      paramLabel = "FILE",
      description = "print the ratios between two result files (A.json B.json) and exit")
  List<Path> compare;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "draw bench.html and vs-floor.svg again from a result file (into --out, or next to it)"
              + " and exit")
  Path report;

  @Override
  public Integer call() throws IOException {
    if (compare != null) {
      return compare();
    }
    if (report != null) {
      return report();
    }
    boolean threads = "threads".equals(mode);
    if (mode != null && !threads && !mode.equals("processes")) {
      throw new ParameterException(
          spec.commandLine(), "--mode must be processes or threads, got '" + mode + "'");
    }
    List<Integer> sizes =
        ranks != null ? ranks : threads ? List.of(256, 1024, 4096) : List.of(2, 4, 8);
    for (int n : sizes) {
      if (n < 1) {
        throw new ParameterException(
            spec.commandLine(), "-n: a group has at least 1 rank, got " + n);
      }
    }
    int reps = repetitions != null ? repetitions : threads ? 5 : 10;
    int fresh = launches != null ? launches : threads ? 1 : 3;
    if (reps < 1 || iterations < 1 || warmup < 0 || fresh < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--repetitions, --iterations and --launches must be at least 1, --warmup at least 0");
    }
    if (timeout.isZero()) {
      throw new ParameterException(spec.commandLine(), "--timeout must be more than 0");
    }
    BenchSettings settings =
        new BenchSettings(
            warmup,
            reps,
            iterations,
            pingPongSizes != null ? pingPongSizes : BenchSettings.DEFAULT.pingPongSizes());

    List<String> notes = new ArrayList<>();
    List<Services.Service> services = new ArrayList<>();
    try {
      List<Subject> subjects = subjects(threads, notes, services);
      Path dir =
          out != null
              ? out
              : Path.of(
                  "bench-results",
                  LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
      Files.createDirectories(dir);
      muster.out.println(
          "muster bench: "
              + subjects
              + " at "
              + sizes
              + " ranks, "
              + reps
              + " repetitions"
              + (noFloor ? "" : ", against the plain-socket floor")
              + "; results in "
              + dir);
      boolean terminal = System.console() != null && muster.out == System.out;
      Progress progress =
          new Progress(
              muster.out, Bench.steps(subjects.size(), sizes.size(), fresh, !noFloor), terminal);
      Duration groupTimeout =
          timeout.compareTo(Duration.ofMinutes(2)) < 0 ? timeout : Duration.ofMinutes(2);
      Bench bench =
          new Bench(
              settings,
              subjects,
              sizes,
              fresh,
              !noFloor,
              timeout,
              groupTimeout,
              JavaCommand::forMain,
              jvmOptions,
              muster.err,
              progress);
      BenchResult result = bench.run(Bench.describe(settings, subjects, sizes, fresh));
      if (!notes.isEmpty()) {
        List<String> all = new ArrayList<>(notes);
        all.addAll(result.notes());
        result =
            new BenchResult(
                result.started(),
                result.seconds(),
                result.machine(),
                result.settings(),
                result.series(),
                all);
      }
      Path json = dir.resolve("bench.json");
      Path html = dir.resolve("bench.html");
      Files.writeString(json, result.toJson(), StandardCharsets.UTF_8);
      Files.writeString(html, HtmlReport.render(result), StandardCharsets.UTF_8);
      Path chart = dir.resolve("vs-floor.svg");
      Files.writeString(chart, HtmlReport.floorChart(result), StandardCharsets.UTF_8);
      TextReport.print(muster.out, result);
      muster.out.println();
      muster.out.println("wrote " + json + ", " + html + " and " + chart);
      return bench.failed() ? 1 : 0;
    } finally {
      for (Services.Service s : services) {
        s.close();
      }
    }
  }

  private int report() throws IOException {
    BenchResult r;
    try {
      r = BenchResult.read(report);
    } catch (IOException | IllegalArgumentException e) {
      muster.err.println("muster bench --report: cannot read " + describe(e));
      return 1;
    }
    Path dir = out != null ? out : report.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path html = dir.resolve("bench.html");
    Path chart = dir.resolve("vs-floor.svg");
    Files.writeString(html, HtmlReport.render(r), StandardCharsets.UTF_8);
    Files.writeString(chart, HtmlReport.floorChart(r), StandardCharsets.UTF_8);
    TextReport.print(muster.out, r);
    muster.out.println();
    muster.out.println("wrote " + html + " and " + chart);
    return 0;
  }

  private int compare() {
    BenchResult a;
    BenchResult b;
    try {
      a = BenchResult.read(compare.get(0));
      b = BenchResult.read(compare.get(1));
    } catch (IOException | IllegalArgumentException e) {
      muster.err.println("muster bench --compare: cannot read " + describe(e));
      return 1;
    }
    Compare.print(muster.out, compare.get(0).toString(), a, compare.get(1).toString(), b);
    return 0;
  }

  private static String describe(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return e.getMessage() + ": no such file";
    }
    return e.getMessage();
  }

  /** The backends to measure, with their services started; a usage error for a bad --uri. */
  private List<Subject> subjects(
      boolean threads, List<String> notes, List<Services.Service> started) {
    List<String> given = uris.isEmpty() ? List.of("tcp") : uris;
    List<String> expanded = new ArrayList<>();
    java.util.Set<String> fromAll = new java.util.HashSet<>();
    for (String u : given) {
      if (u.trim().equals("all")) {
        List<String> onClassPath = new ArrayList<>(schemesOnClassPath());
        if (onClassPath.remove("tcp")) {
          onClassPath.add(0, "tcp"); // the default backend first: its colour leads every chart
        }
        for (String scheme : onClassPath) {
          if (Services.forScheme(scheme).isPresent()) {
            expanded.add(scheme);
            fromAll.add(scheme);
          } else if (!scheme.equals("env")) {
            notes.add(
                scheme
                    + ": on the class path, but this build cannot start its service here; give"
                    + " --uri with a running one");
          }
        }
      } else {
        expanded.add(u.trim());
      }
    }
    Map<String, Integer> seen = new LinkedHashMap<>();
    List<Subject> subjects = new ArrayList<>();
    for (String u : expanded) {
      String base;
      String scheme;
      if (u.matches("[a-z][a-z0-9+.-]*")) { // a scheme alone: set it up here
        scheme = u;
        var starter = Services.forScheme(u);
        if (starter.isEmpty()) {
          throw new ParameterException(
              spec.commandLine(),
              "--uri "
                  + u
                  + ": this build cannot set up "
                  + u
                  + ": here; give a full URI of a running service, or one of "
                  + Services.schemes());
        }
        Services.Service s;
        try {
          s = starter.get().start();
        } catch (RuntimeException e) {
          if (fromAll.contains(u)) { // --uri all measures what it can, and says what it skipped
            notes.add(u + ": skipped, its service did not start here: " + e.getMessage());
            continue;
          }
          throw new ParameterException(spec.commandLine(), "--uri " + u + ": " + e.getMessage());
        }
        started.add(s);
        base = s.uri();
      } else {
        base = u;
        BootstrapUri parsed;
        try {
          parsed = BootstrapUri.parse(u);
        } catch (BootstrapException e) {
          throw new ParameterException(spec.commandLine(), "--uri: " + e.getMessage());
        }
        scheme = parsed.scheme();
        for (String key : List.of("rank", "size")) {
          if (parsed.query().containsKey(key)) {
            throw new ParameterException(
                spec.commandLine(),
                "--uri " + parsed + ": remove " + key + "=; the bench sets rank and size");
          }
        }
        if (scheme.equals("env")) {
          throw new ParameterException(
              spec.commandLine(), "--uri env: names no group of its own; give the backend's URI");
        }
      }
      GroupUris.requireBackend(spec.commandLine(), base);
      String m = threads ? "threads" : "processes";
      if (scheme.equals("local") && !threads) {
        m = "threads";
        notes.add("local: runs with ranks as threads (separate processes cannot share a group)");
      }
      if (scheme.equals("mpi") && threads) {
        throw new ParameterException(
            spec.commandLine(),
            "--uri mpi: needs --mode processes: only processes that mpirun starts share an MPI job");
      }
      int k = seen.merge(scheme + " " + m, 1, Integer::sum);
      String name = k == 1 ? scheme : scheme + "#" + k;
      subjects.add(new Subject(name, base, BootstrapUri.redact(base), m));
    }
    return subjects;
  }

  private static TreeSet<String> schemesOnClassPath() {
    TreeSet<String> schemes = new TreeSet<>();
    Iterator<BootstrapProvider> it = ServiceLoader.load(BootstrapProvider.class).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        schemes.addAll(it.next().schemes());
      } catch (ServiceConfigurationError | LinkageError e) {
        // a broken backend jar serves nothing
      }
    }
    return schemes;
  }
}
