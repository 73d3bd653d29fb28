package io.muster.redis;

import io.muster.Bootstrap;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs a redis:// group as threads of this JVM. */
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

  static void run(String uri, int n, Body body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        int rank = r;
        done.add(
            pool.submit(
                () -> {
                  try (Bootstrap b = Bootstrap.open(uri, rank, n)) {
                    body.run(b);
                  }
                  return null;
                }));
      }
      for (int r = 0; r < n; r++) {
        try {
          done.get(r).get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          throw new AssertionError("rank " + r + " failed: " + e.getCause(), e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
