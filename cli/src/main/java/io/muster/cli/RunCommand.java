package io.muster.cli;

import io.muster.cli.launch.Launcher;
import io.muster.cli.launch.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code muster run}: a local launcher in the manner of torchrun or mpirun. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Start N copies of CMD on this machine as the ranks of one group.",
      "Each gets MUSTER_URI, MUSTER_RANK and MUSTER_SIZE, so Bootstrap.open(\"env:\") joins the"
          + " group. Output lines are prefixed with the rank ([3] …). When one rank fails, the"
          + " others are stopped and muster exits with the failed rank's code."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every rank exited with 0",
      "N:the first rank to fail exited with N",
      "2:bad command line",
      "124:--timeout ran out",
      "127:a rank could not be started"
    })
final class RunCommand implements Callable<Integer> {
  @ParentCommand Muster muster;
  @Spec CommandSpec spec;

  @Option(
      names = {"-n", "--ranks"},
      required = true,
      paramLabel = "N",
      description = "the number of ranks to start")
  int ranks;

  @Option(
      names = "--uri",
      paramLabel = "URI",
      description = {
        "the group's URI, without rank= (default: tcp://127.0.0.1:<free port>?size=N)"
      })
  String uri;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = Converters.DurationConverter.class,
      description = "stop every rank after this long, e.g. 30s or 10m (default: no limit)")
  Duration timeout;

  @Parameters(
      arity = "1..*",
      paramLabel = "CMD",
      description = "the command each rank runs, with its arguments (put -- before it)")
  List<String> command;

  @Override
  public Integer call() {
    String group = GroupUris.forLaunch(spec.commandLine(), uri, ranks, "");
    Outcome outcome =
        Launcher.forGroup(ranks, group, command)
            .timeout(timeout)
            .output(muster.out, muster.err)
            .run();
    if (!outcome.succeeded()) {
      String stopped = outcome.status() == Outcome.Status.RANK_FAILED ? "; stopped the others" : "";
      muster.err.println("muster run: " + outcome.describe() + stopped);
    }
    return outcome.exitCode();
  }
}
