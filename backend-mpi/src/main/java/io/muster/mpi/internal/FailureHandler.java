package io.muster.mpi.internal;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns the death of the main thread into {@code MPI_Abort}. Without it a rank that throws would
 * run its shutdown hook, whose {@code MPI_Finalize} waits for the other ranks, while they wait in a
 * receive or a collective for the rank that died: the job would hang until the timeout. With it,
 * the exception is printed as Java prints it, and mpirun then stops every rank.
 *
 * <p>It also notes a {@code SIGTERM} or {@code SIGINT}: that is mpirun ending the job (after
 * another rank aborted, or a Ctrl-C), and a rank being stopped neither finalizes (which would wait
 * for ranks that are gone) nor aborts in turn (which would blame it for the failure).
 */
final class FailureHandler implements Thread.UncaughtExceptionHandler {
  private static volatile boolean signalled;

  private final MpiRuntime rt;
  private final Thread.UncaughtExceptionHandler previous;
  private final Thread main;

  private FailureHandler(MpiRuntime rt, Thread.UncaughtExceptionHandler previous, Thread main) {
    this.rt = rt;
    this.previous = previous;
    this.main = main;
  }

  /** Whether the JVM is ending because a signal told it to. */
  static boolean signalled() {
    return signalled;
  }

  /** Becomes the default handler, keeping the one before it (which still reports). */
  static void install(MpiRuntime rt) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        SignalHandler[] previous = new SignalHandler[1];
        previous[0] =
            Signal.handle(
                new Signal(name),
                sig -> {
                  signalled = true;
                  previous[0].handle(sig); // the JVM's own: it runs the shutdown hooks and exits
                });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // the signal is reserved (-Xrs) or unknown here: exit then counts as a failure
      }
    }
    Thread main = mainThread();
    if (main == null) {
      return; // an embedded JVM with no main thread: nothing whose death means failure
    }
    Thread.setDefaultUncaughtExceptionHandler(
        new FailureHandler(rt, Thread.getDefaultUncaughtExceptionHandler(), main));
  }

  private static Thread mainThread() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      ThreadGroup g = t.getThreadGroup();
      if ("main".equals(t.getName()) && g != null && "main".equals(g.getName())) {
        return t;
      }
    }
    return null;
  }

  @Override
  public void uncaughtException(Thread t, Throwable e) {
    if (previous != null) {
      previous.uncaughtException(t, e);
    } else {
      System.err.print("Exception in thread \"" + t.getName() + "\" ");
      e.printStackTrace(System.err);
    }
    if (t == main && rt.canAbort()) {
      rt.abortJob("its main thread ended with " + e);
    }
  }
}
