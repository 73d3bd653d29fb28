package io.muster.cli;

import io.muster.BootstrapException;
import io.muster.tcp.Coordinator;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code muster coordinator}: the TCP rendezvous coordinator on its own, until Ctrl-C. */
@Command(
    name = "coordinator",
    mixinStandardHelpOptions = true,
    description = {
      "Run the TCP rendezvous coordinator until Ctrl-C.",
      "Ranks join with tcp://HOST:PORT?coordinator=external&size=N&job=NAME; one coordinator"
          + " serves many jobs at once, told apart by job=."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "1:could not listen (port in use, address not this machine's)",
      "2:bad command line",
      "130:stopped by Ctrl-C (143: by SIGTERM)"
    })
final class CoordinatorCommand implements Callable<Integer> {
  @ParentCommand Muster muster;
  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      required = true,
      paramLabel = "P",
      description = "the port to listen on (0: any free port, printed at start)")
  int port;

  @Option(
      names = "--host",
      paramLabel = "H",
      defaultValue = "127.0.0.1",
      description =
          "the address to listen on (default: ${DEFAULT-VALUE}, this machine only); 0.0.0.0 or"
              + " one of this machine's addresses serves other machines")
  String host;

  @Option(
      names = "--token",
      paramLabel = "T",
      defaultValue = "${env:MUSTER_TOKEN}",
      description =
          "a secret every rank must present (default: $MUSTER_TOKEN, which is safer: command"
              + " lines are visible to other users)")
  String token;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be 0..65535, got " + port);
    }
    Coordinator coordinator;
    try {
      coordinator = Coordinator.start(new InetSocketAddress(host, port), token);
    } catch (BootstrapException e) {
      muster.err.println("muster coordinator: " + e.getMessage());
      return 1;
    }
    // Ctrl-C: the hook closes it, which tells connected ranks, and the wait below returns.
    Thread onExit = new Thread(coordinator::close, "muster-coordinator-shutdown");
    Runtime.getRuntime().addShutdownHook(onExit);
    try {
      InetSocketAddress at = coordinator.address();
      String hostPort = at.getHostString() + ":" + at.getPort();
      muster.out.println(
          "muster coordinator listening on "
              + hostPort
              + (token == null || token.isEmpty() ? "" : " (token required)")
              + "; ranks join with tcp://"
              + hostPort
              + "?coordinator=external&size=N. Ctrl-C stops it.");
      coordinator.awaitClosed();
      return 0;
    } finally {
      coordinator.close();
      try {
        Runtime.getRuntime().removeShutdownHook(onExit);
      } catch (IllegalStateException shuttingDown) {
        // the hook has run
      }
    }
  }
}
