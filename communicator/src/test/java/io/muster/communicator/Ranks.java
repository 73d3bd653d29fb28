package io.muster.communicator;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a group of ranks as threads of this JVM over {@code local:}, each with its bootstrap and
 * communicator. A rank that finishes waits in a barrier for the others before closing, so no rank
 * sees a peer leave early; a rank that fails closes at once, so the others fail fast too.
 */
public final class Ranks {
  private static final AtomicInteger GROUPS = new AtomicInteger();

  /** Setup calls' timeout in tests: long enough for a loaded machine, short enough to fail. */
  public static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);

  /** What each rank does. */
  public interface Body {
    void run(Bootstrap bootstrap, Communicator communicator) throws Exception;
  }

  private Ranks() {}

  private static boolean isPeerLost(AssertionError e) {
    return e.getCause() instanceof BootstrapException
        && ((BootstrapException) e.getCause()).code() == BootstrapException.Code.PEER_LOST;
  }

  public static void run(int n, Body body) throws Exception {
    run(n, SETUP_TIMEOUT, body);
  }

  public static void run(int n, Duration setupTimeout, Body body) throws Exception {
    String name = "communicator-test-" + GROUPS.incrementAndGet();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        int rank = r;
        done.add(
            pool.submit(
                () -> {
                  try (Bootstrap b = Bootstrap.open("local:" + name + "?timeout=60s", rank, n);
                      Communicator c = new Communicator(b, setupTimeout)) {
                    body.run(b, c);
                    b.barrier();
                  }
                  return null;
                }));
      }
      AssertionError failure = null;
      for (int r = 0; r < n; r++) {
        AssertionError e = null;
        try {
          done.get(r).get(120, TimeUnit.SECONDS);
        } catch (ExecutionException x) {
          e = new AssertionError("rank " + r + " failed: " + x.getCause(), x.getCause());
        } catch (TimeoutException x) {
          e = new AssertionError("rank " + r + " did not finish within 120s", x);
        }
        if (e != null) {
          // a rank that failed first makes the others fail with PEER_LOST: report it first
          if (failure == null || (isPeerLost(failure) && !isPeerLost(e))) {
            if (failure != null) {
              e.addSuppressed(failure);
            }
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
