package io.muster.redis;

import io.muster.Bootstrap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Runs redis:// groups as threads of this JVM. */
final class RedisGroups {
  private RedisGroups() {}

  /** A rank's part of a test. */
  interface Body {
    void run(Bootstrap b) throws Exception;
  }

  /** A job name no other test uses. */
  static String job() {
    return "test-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Opens ranks 0..n-1 of a group, closes them after {@code body}, and rethrows any failure. */
  static void run(String uri, int n, Body body) throws Exception {
    List<Callable<Void>> ranks = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      ranks.add(
          () -> {
            try (Bootstrap b = Bootstrap.open(uri, rank, n)) {
              body.run(b);
            }
            return null;
          });
    }
    parallel(ranks);
  }

  /** Opens ranks 0..n-1 of a group at once and returns them, open. */
  static List<Bootstrap> openAll(String uri, int n) throws Exception {
    List<Callable<Bootstrap>> ranks = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      ranks.add(() -> Bootstrap.open(uri, rank, n));
    }
    return parallel(ranks);
  }

  /** Runs {@code body} on every rank at once. */
  static void onEach(List<Bootstrap> group, Body body) throws Exception {
    List<Callable<Void>> work = new ArrayList<>();
    for (Bootstrap b : group) {
      work.add(
          () -> {
            body.run(b);
            return null;
          });
    }
    parallel(work);
  }

  /** Runs the tasks on threads of their own and returns their results in order. */
  static <T> List<T> parallel(List<? extends Callable<T>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> t : tasks) {
        futures.add(pool.submit(t));
      }
      List<T> out = new ArrayList<>();
      for (int i = 0; i < futures.size(); i++) {
        try {
          out.add(futures.get(i).get(120, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          throw new AssertionError("task " + i + " failed: " + e.getCause(), e.getCause());
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Waits until {@code condition} holds, failing after {@code limit}. */
  static void await(String what, Duration limit, BooleanSupplier condition) {
    await(what, limit, condition, () -> "");
  }

  /** Waits until {@code condition} holds, failing after {@code limit} with {@code state}. */
  static void await(
      String what, Duration limit, BooleanSupplier condition, Supplier<Object> state) {
    long end = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError(
            "gave up after " + limit + " waiting until " + what + " " + state.get());
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(10); // re-checks a condition; not synchronisation
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what);
      }
    }
  }

  /** The threads named {@code prefix}… alive now that were not in {@code before}, with stacks. */
  static List<String> threadsStartedSince(Set<Thread> before, String prefix) {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix) && !before.contains(t)) {
        names.add(t.getName() + " " + java.util.Arrays.toString(t.getStackTrace()));
      }
    }
    return names;
  }

  /** Closes every rank, ignoring failures. */
  static void closeAll(List<Bootstrap> group) {
    for (Bootstrap b : group) {
      try {
        b.close();
      } catch (RuntimeException e) {
        // closing is best effort here
      }
    }
  }

  /** What {@code r} throws, or an AssertionError when it throws nothing. */
  static Throwable failure(Callable<?> r) {
    try {
      r.call();
      return new AssertionError("no failure");
    } catch (Throwable t) {
      return t;
    }
  }
}
