package io.muster.cli;

import io.muster.BootstrapException;
import io.muster.conformance.LiveConformance;
import io.muster.spi.BootstrapUri;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code muster conformance}: the conformance kit against a live service, a line per rule. */
@Command(
    name = "conformance",
    mixinStandardHelpOptions = true,
    description = {
      "Check a live service against the Bootstrap contract, a line per rule.",
      "Every rule runs with N ranks as threads of this JVM; each group gets a URI of its own derived"
          + " from URI (local:NAME-k, or job=JOB-k for a shared service such as a coordinator,"
          + " Redis or ZooKeeper)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every rule passed (or was skipped, with its reason)",
      "1:a rule failed",
      "2:bad command line"
    })
final class ConformanceCommand implements Callable<Integer> {
  @ParentCommand Muster muster;
  @Spec CommandSpec spec;

  @Option(
      names = "--uri",
      required = true,
      paramLabel = "URI",
      description = "the service, e.g. tcp://127.0.0.1:29500?coordinator=external or local:check")
  String uri;

  @Option(
      names = {"-n", "--ranks"},
      required = true,
      paramLabel = "N",
      description = "ranks per group")
  int ranks;

  @Override
  public Integer call() {
    if (ranks < 1) {
      throw new ParameterException(spec.commandLine(), "-n must be at least 1, got " + ranks);
    }
    BootstrapUri parsed;
    try {
      parsed = BootstrapUri.parse(uri);
    } catch (BootstrapException e) {
      throw new ParameterException(spec.commandLine(), "--uri: " + e.getMessage());
    }
    if (parsed.scheme().equals("env")) {
      throw new ParameterException(
          spec.commandLine(), "--uri env: names one rank's group; give the service's own URI");
    }
    for (String key : new String[] {"rank", "size"}) {
      if (parsed.query().containsKey(key)) {
        throw new ParameterException(
            spec.commandLine(),
            "--uri " + parsed + ": remove " + key + "=; the kit sizes and numbers its own groups");
      }
    }
    GroupUris.requireBackend(spec.commandLine(), uri);
    return LiveConformance.run(uri.trim(), ranks, muster.out) ? 0 : 1;
  }
}
