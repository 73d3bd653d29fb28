package io.muster.cli.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The JVM of {@code muster bench --mode threads}: every rank of a group is a thread here, running
 * the same {@link Workload} as a rank process, with {@link ThreadsConductor} as the start signal.
 */
public final class ThreadsRun {
  /** Rank threads need little stack; thousands of them then fit easily. */
  private static final long STACK_BYTES = 512 << 10;

  private ThreadsRun() {}

  /**
   * Arguments: {@link BenchSettings#toArgs()}, a {@link Plan}, the number of ranks, the base URI,
   * the run's name and the groups' timeout in milliseconds.
   */
  public static void main(String[] args) {
    BenchSettings settings = BenchSettings.fromArgs(args, 0);
    Plan plan = Plan.fromArg(args[4]);
    int size = Integer.parseInt(args[5]);
    Groups groups = new Groups(args[6], args[7], Duration.ofMillis(Long.parseLong(args[8])));
    Preload.musterClasses();
    ControlLink link = ControlLink.connect(0);
    int code = run(settings, plan, size, groups, link);
    link.close();
    System.exit(code);
  }

  private static int run(
      BenchSettings settings, Plan plan, int size, Groups groups, ControlLink link) {
    ThreadsConductor conductor = new ThreadsConductor(size, groups, link);
    AtomicReference<String> failure = new AtomicReference<>();
    Thread[] ranks = new Thread[size];
    for (int r = 0; r < size; r++) {
      int rank = r;
      ranks[r] =
          new Thread(
              null,
              () -> {
                Workload w = new Workload(settings, conductor, rank, size, plan);
                try {
                  w.run();
                } catch (RuntimeException | OutOfMemoryError e) {
                  failure.compareAndSet(
                      null,
                      "rank " + rank + " failed in " + w.phase() + ": " + BenchRank.describe(e));
                }
              },
              "rank-" + r,
              STACK_BYTES);
      ranks[r].setDaemon(true);
    }
    for (Thread t : ranks) {
      t.start();
    }
    try {
      for (Thread t : ranks) {
        while (t.isAlive() && failure.get() == null) {
          t.join(100);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure.compareAndSet(null, "interrupted");
    }
    String failed = failure.get();
    if (failed != null) {
      System.err.println(failed);
      link.fail(failed);
      return 1; // the other rank threads may be stuck waiting for the failed one: exit ends them
    }
    conductor.flush();
    link.done();
    return 0;
  }
}
