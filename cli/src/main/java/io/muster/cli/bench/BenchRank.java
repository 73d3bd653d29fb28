package io.muster.cli.bench;

import io.muster.BootstrapException;
import io.muster.cli.launch.Mpirun;

/**
 * One rank process of {@code muster bench --mode processes}: loads Muster's classes, connects to
 * the bench command, and runs the {@link Workload} with its start signals. Rank and size come from
 * {@code MUSTER_RANK} and {@code MUSTER_SIZE}, as the launcher sets them, or from mpirun's
 * variables when mpirun started the ranks.
 */
public final class BenchRank {
  private BenchRank() {}

  /** Arguments: {@link BenchSettings#toArgs()} then a {@link Plan}. */
  public static void main(String[] args) {
    BenchSettings settings = BenchSettings.fromArgs(args, 0);
    Plan plan = Plan.fromArg(args[4]);
    int[] mpi = Mpirun.rankAndSize();
    int rank = mpi != null ? mpi[0] : Integer.parseInt(System.getenv("MUSTER_RANK"));
    int size = mpi != null ? mpi[1] : Integer.parseInt(System.getenv("MUSTER_SIZE"));
    Preload.musterClasses();
    System.exit(run(settings, plan, rank, size));
  }

  private static int run(BenchSettings settings, Plan plan, int rank, int size) {
    ControlLink link = ControlLink.connect(rank);
    Workload w = new Workload(settings, link, rank, size, plan);
    try {
      w.run();
      link.done();
      return 0;
    } catch (RuntimeException | OutOfMemoryError e) {
      String message = "rank " + rank + " failed in " + w.phase() + ": " + describe(e);
      System.err.println(message);
      try {
        link.fail(message);
      } catch (RuntimeException gone) {
        // the command is gone too; stderr has it
      }
      return 1;
    } finally {
      link.close();
    }
  }

  static String describe(Throwable e) {
    if (e instanceof BootstrapException) {
      return "[" + ((BootstrapException) e).code() + "] " + e.getMessage();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
