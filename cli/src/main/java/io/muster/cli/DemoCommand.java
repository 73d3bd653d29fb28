package io.muster.cli;

import io.muster.cli.demo.DemoRank;
import io.muster.cli.demo.DemoSettings;
import io.muster.cli.launch.Launcher;
import io.muster.cli.launch.Outcome;
import io.muster.spi.BootstrapUri;
import io.muster.spi.Durations;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code muster demo}: N local rank processes open a group, exchange, and report timings. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start N local ranks that open a group, exchange messages and report timings.",
      "Each rank process opens the group, checks and times an allGather, a ring of send/recv,"
          + " a barrier and (ranks 0 and 1) a ping-pong. Rank 0 prints a table of open() time"
          + " and mean time per operation; the last line says 'demo OK' or 'demo FAILED' with"
          + " the rank and the error."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every rank passed",
      "1:a rank failed or the demo timed out",
      "2:bad command line"
    })
final class DemoCommand implements Callable<Integer> {
  @ParentCommand Muster muster;
  @Spec CommandSpec spec;

  @Option(
      names = {"-n", "--ranks"},
      paramLabel = "N",
      defaultValue = "8",
      description = "the number of rank processes (default: ${DEFAULT-VALUE})")
  int ranks;

  @Option(
      names = "--uri",
      paramLabel = "URI",
      description =
          "the group's URI, without rank= (default: tcp://127.0.0.1:<free port>?size=N&timeout=<half"
              + " of --timeout>)")
  String uri;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "2m",
      converter = Converters.DurationConverter.class,
      description = "stop every rank and fail after this long (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(
      names = "--iterations",
      paramLabel = "N",
      defaultValue = "200",
      description = "timed operations per phase (default: ${DEFAULT-VALUE})")
  int iterations;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "50",
      description = "untimed operations before each phase (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(
      names = "--ping-pong-size",
      paramLabel = "SIZE",
      defaultValue = "64MiB",
      converter = Converters.SizeConverter.class,
      description =
          "message size of the ping-pong between ranks 0 and 1 (default: ${DEFAULT-VALUE})")
  int pingPongBytes;

  @Option(
      names = "--rounds",
      paramLabel = "N",
      defaultValue = "5",
      description = "timed ping-pong round trips (default: ${DEFAULT-VALUE})")
  int rounds;

  @Override
  public Integer call() {
    if (iterations < 1 || warmup < 0 || rounds < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--iterations and --rounds must be at least 1 and --warmup at least 0");
    }
    if (timeout.isZero()) {
      throw new ParameterException(spec.commandLine(), "--timeout must be more than 0");
    }
    Duration rankTimeout = timeout.dividedBy(2);
    String group =
        GroupUris.forLaunch(
            spec.commandLine(), uri, ranks, "&timeout=" + Durations.format(rankTimeout));
    GroupUris.requireBackend(spec.commandLine(), group);
    DemoSettings settings = new DemoSettings(warmup, iterations, pingPongBytes, rounds);
    String shown = BootstrapUri.redact(group);
    muster.out.println(
        "muster demo: starting " + ranks + (ranks == 1 ? " rank" : " ranks") + " on " + shown);
    Outcome outcome =
        Launcher.forGroup(ranks, group, JavaCommand.forMain(DemoRank.class, settings.toArgs()))
            .timeout(timeout)
            .output(muster.out, muster.err)
            .run();
    if (outcome.succeeded()) {
      muster.out.printf(
          Locale.ROOT,
          "demo OK: %d rank%s over %s in %.1fs%n",
          ranks,
          ranks == 1 ? "" : "s",
          shown,
          outcome.elapsed().toMillis() / 1000.0);
      return 0;
    }
    muster.err.println("demo FAILED: " + outcome.describe());
    return 1;
  }
}
