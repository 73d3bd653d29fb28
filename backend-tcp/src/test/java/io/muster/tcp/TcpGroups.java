package io.muster.tcp;

import io.muster.Bootstrap;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs a tcp group as threads of this JVM on loopback. */
final class TcpGroups {
  private TcpGroups() {}

  /** A rank's part of a test. */
  interface Body {
    void run(Bootstrap b) throws Exception;
  }

  /**
   * A free port below the kernel's ephemeral range, so that no rank's listener (which takes an
   * ephemeral port) can grab it before rank 0 binds the coordinator there.
   */
  static int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12000);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IllegalStateException("no free port in 20000..32000");
  }

  static String uri(String query) {
    return "tcp://127.0.0.1:" + freePort() + (query.isEmpty() ? "" : "?" + query);
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
