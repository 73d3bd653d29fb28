package io.muster.conformance;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;

/**
 * Runs a group of ranks as threads of this JVM: opens every rank concurrently, runs a body on each,
 * then closes them all, always within a time limit. The first failure is rethrown naming its rank;
 * on a failure every rank is closed at once, so the others end with {@code CLOSED} rather than
 * waiting for their timeout.
 *
 * <pre>{@code
 * Group.run("local:demo", 4, Duration.ofMinutes(1), rank -> rank.barrier());
 * }</pre>
 */
public final class Group {
  /** How long one {@link Bootstrap#close()} may take (rule 11: close is bounded in time). */
  static final Duration CLOSE_BOUND = Duration.ofSeconds(10);

  private Group() {}

  /** What one rank does once its bootstrap is open. */
  @FunctionalInterface
  public interface RankBody {
    void run(Bootstrap rank) throws Exception;
  }

  /**
   * Opens {@code size} ranks of {@code uri} with {@code Bootstrap.open(uri, rank, size)}, each in
   * its own thread, runs {@code body} on each and closes every rank once all bodies have ended.
   *
   * @throws AssertionError the first failure, with its rank; or the stacks of ranks still running
   *     at the limit
   */
  public static void run(String uri, int size, Duration limit, RankBody body) {
    run(uri, size, limit, false, body);
  }

  /** Like {@link #run}, but every rank opens with rank {@code -1} so the backend assigns it. */
  public static void runAssigningRanks(String uri, int size, Duration limit, RankBody body) {
    run(uri, size, limit, true, body);
  }

  private static void run(String uri, int size, Duration limit, boolean assign, RankBody body) {
    long deadline = System.nanoTime() + limit.toNanos();
    Bootstrap[] opened = new Bootstrap[size];
    Failures failures = new Failures(uri, size);
    CountDownLatch bodiesDone = new CountDownLatch(size);
    Thread[] threads = new Thread[size];
    for (int r = 0; r < size; r++) {
      int index = r;
      threads[r] =
          new Thread(
              () -> {
                Bootstrap b = null;
                try {
                  b = Bootstrap.open(uri, assign ? -1 : index, size);
                  synchronized (opened) {
                    opened[index] = b;
                  }
                  if (!failures.any()) {
                    body.run(b);
                  }
                } catch (Throwable t) {
                  failures.add(b == null ? index : b.rank(), t);
                  closeAll(opened);
                } finally {
                  bodiesDone.countDown();
                  try {
                    bodiesDone.await(
                        Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  if (b != null) {
                    timedClose(b, failures);
                  }
                }
              },
              "conformance-rank-" + r);
      threads[r].setDaemon(true);
      threads[r].start();
    }
    if (!joinAll(threads, deadline)) {
      StringBuilder stuck = new StringBuilder();
      for (Thread t : threads) {
        if (t.isAlive()) {
          stuck.append('\n').append(Task.stack(t));
        }
      }
      failures.add(
          -1,
          new AssertionError(
              "the group did not finish within "
                  + limit.toSeconds()
                  + " s; still running:"
                  + stuck));
      closeAll(opened);
      joinAll(threads, System.nanoTime() + CLOSE_BOUND.toNanos());
    }
    failures.throwFirst();
  }

  private static boolean joinAll(Thread[] threads, long deadline) {
    for (Thread t : threads) {
      try {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      if (t.isAlive()) {
        return false;
      }
    }
    return true;
  }

  private static void closeAll(Bootstrap[] opened) {
    List<Bootstrap> all = new ArrayList<>();
    synchronized (opened) {
      for (Bootstrap b : opened) {
        if (b != null) {
          all.add(b);
        }
      }
    }
    for (Bootstrap b : all) {
      try {
        b.close();
      } catch (RuntimeException e) {
        // the failure that made us close is the one to report
      }
    }
  }

  private static void timedClose(Bootstrap b, Failures failures) {
    long start = System.nanoTime();
    try {
      b.close();
    } catch (RuntimeException e) {
      failures.add(b.rank(), new AssertionError("close() threw (rule 11: close never fails)", e));
      return;
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    if (ms > CLOSE_BOUND.toMillis()) {
      failures.add(
          b.rank(),
          new AssertionError(
              "close() took " + ms + " ms (rule 11: close is bounded in time), " + b));
    }
  }

  /** Failures by rank; the first is the one reported, later ones (often its echoes) suppressed. */
  private static final class Failures {
    private final String uri;
    private final int size;
    private final List<Throwable> all = new ArrayList<>();
    private final List<Integer> ranks = new ArrayList<>();

    Failures(String uri, int size) {
      this.uri = uri;
      this.size = size;
    }

    synchronized void add(int rank, Throwable t) {
      all.add(t);
      ranks.add(rank);
    }

    synchronized boolean any() {
      return !all.isEmpty();
    }

    synchronized void throwFirst() {
      if (all.isEmpty()) {
        return;
      }
      Throwable first = all.get(0);
      if (first instanceof TestAbortedException) {
        throw (TestAbortedException) first;
      }
      int rank = ranks.get(0);
      String where = rank < 0 ? "" : "rank " + rank + " of " + size + ": ";
      String code =
          first instanceof BootstrapException
              ? "[" + ((BootstrapException) first).code() + "] "
              : "";
      AssertionError e =
          new AssertionError(
              where
                  + code
                  + (first.getMessage() != null ? first.getMessage() : first.toString())
                  + "\n  (group "
                  + redact(uri)
                  + ")",
              first);
      for (int i = 1; i < all.size() && i < 4; i++) {
        e.addSuppressed(all.get(i));
      }
      throw e;
    }
  }

  private static String redact(String uri) {
    return io.muster.spi.BootstrapUri.redact(uri);
  }
}
