package io.muster.zookeeper;

import io.muster.Bootstrap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/** Ranks as threads of this JVM, each opening its own URI. */
final class Ranks {
  private Ranks() {}

  /** A rank's part of a test, given its open bootstrap. */
  interface Body {
    void run(Bootstrap b) throws Exception;
  }

  /** What a rank ended with: nothing, or what it threw. */
  static final class Outcome {
    final int index;
    final Throwable error;

    Outcome(int index, Throwable error) {
      this.index = index;
      this.error = error;
    }
  }

  /** Opens rank {@code ranks[i]} of {@code size} with {@code uri.apply(i)}, runs body, closes. */
  static List<Outcome> run(IntFunction<String> uri, int[] ranks, int size, Body body)
      throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(ranks.length);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < ranks.length; i++) {
        int index = i;
        done.add(
            pool.submit(
                () -> {
                  try (Bootstrap b = Bootstrap.open(uri.apply(index), ranks[index], size)) {
                    body.run(b);
                  }
                  return null;
                }));
      }
      List<Outcome> out = new ArrayList<>();
      for (int i = 0; i < ranks.length; i++) {
        Throwable error = null;
        try {
          done.get(i).get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          error = e.getCause();
        } catch (TimeoutException e) {
          error = new AssertionError("rank " + ranks[i] + " is stuck", e);
        }
        out.add(new Outcome(i, error));
      }
      return out;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  /** Ranks 0..n-1 of one URI; fails with the first rank's error. */
  static void runAll(String uri, int n, Body body) throws InterruptedException {
    int[] ranks = new int[n];
    for (int i = 0; i < n; i++) {
      ranks[i] = i;
    }
    for (Outcome o : run(i -> uri, ranks, n, body)) {
      if (o.error != null) {
        throw new AssertionError("rank " + o.index + " failed: " + o.error, o.error);
      }
    }
  }
}
