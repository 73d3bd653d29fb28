package io.muster.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code muster} command. Exit codes: 0 success, 1 failure, 2 usage error; {@code run} exits
 * with the failed rank's code.
 */
@Command(
    name = "muster",
    mixinStandardHelpOptions = true,
    versionProvider = Muster.Version.class,
    description = {
      "Bootstrap distributed jobs: ranks find each other and exchange their first messages.",
      "The backend is chosen by one URI: tcp://HOST:PORT, redis://…, zk://…, mpi:, local:NAME, env:."
    },
    subcommands = {
      DemoCommand.class,
      RunCommand.class,
      CoordinatorCommand.class,
      ConformanceCommand.class,
      BenchCommand.class,
      HelpCommand.class
    },
    footer = {"", "Run 'muster COMMAND --help' for a command's options."})
public final class Muster implements Runnable {
  /** Exit code for bad command lines. */
  static final int USAGE = 2;

  final PrintStream out;
  final PrintStream err;

  @Spec CommandSpec spec;

  Muster(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    if (System.getProperty(JavaCommand.LOG_LEVEL) == null) {
      System.setProperty(JavaCommand.LOG_LEVEL, "warn");
    }
    System.exit(execute(System.out, System.err, args));
  }

  /** Runs the command line with these streams and returns the exit code. */
  static int execute(PrintStream out, PrintStream err, String... args) {
    CommandLine cmd = new CommandLine(new Muster(out, err));
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    // `muster run -n 2 sh -c '…'`: everything from the command on belongs to the command.
    cmd.getSubcommands().get("run").setStopAtPositional(true);
    cmd.setParameterExceptionHandler(Muster::usageError);
    cmd.setExecutionExceptionHandler(
        (e, failed, parsed) -> {
          failed.getErr().println(failed.getCommandName() + ": error: " + e);
          return 1;
        });
    return cmd.execute(args);
  }

  /** One line saying what is wrong and where to read more, instead of the whole usage text. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine failed = e.getCommandLine();
    PrintWriter err = failed.getErr();
    err.println(qualifiedName(failed) + ": " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + qualifiedName(failed) + " --help' for more information.");
    return USAGE;
  }

  private static String qualifiedName(CommandLine cmd) {
    return cmd.getCommandSpec().qualifiedName();
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing a command: demo, run, coordinator, bench or help");
  }

  /** The version from the jar's manifest. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Muster.class.getPackage().getImplementationVersion();
      return new String[] {"muster " + (v == null ? "(development build)" : v)};
    }
  }
}
