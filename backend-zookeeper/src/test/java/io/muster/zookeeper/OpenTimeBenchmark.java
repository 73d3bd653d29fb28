package io.muster.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.Bootstrap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * How long 8 ranks take to open a {@code zk://} group against a ZooKeeper server in this JVM, next
 * to 8 bare Curator clients doing an ephemeral-node all-gather (connect, create, watch until all 8
 * are there), the two alternated so both see the same load. A benchmark, not a test: its name keeps
 * it out of the default run, and it needs {@code -Dmuster.bench=true} too. Run it with {@code
 * ./mvnw -pl backend-zookeeper -am test -Dtest=OpenTimeBenchmark -Dmuster.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}; it prints its numbers and asserts only that the groups
 * formed.
 */
class OpenTimeBenchmark {
  private static final int RANKS = 8;
  private static final int WARMUP = 10;
  private static final int RUNS = 40;

  @Test
  void eightRanksOpen() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("muster.bench"), "set -Dmuster.bench=true to run");
    try (TestingServer server = ZkServers.server()) {
      ExecutorService pool = Executors.newFixedThreadPool(RANKS);
      try {
        // alternate the two, so that both see the same load on a shared machine
        double[][] ms = new double[2][RUNS];
        for (int i = -WARMUP; i < RUNS; i++) {
          long a = openGroup(pool, server, "bench-" + (i + WARMUP));
          long b = bareGather(pool, server, "/bare-" + (i + WARMUP));
          if (i >= 0) {
            ms[0][i] = a / 1e6;
            ms[1][i] = b / 1e6;
          }
        }
        System.out.println("8-rank open() against TestingServer: " + summary(ms[0]));
        System.out.println("8 bare Curator clients, ephemeral all-gather: " + summary(ms[1]));
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static String summary(double[] ms) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    return String.format(
        "median %.1f ms, min %.1f ms, p90 %.1f ms (%d runs)",
        sorted[sorted.length / 2], sorted[0], sorted[sorted.length * 9 / 10], sorted.length);
  }

  /** From the start signal to the last rank's open() returning; closing is not counted. */
  private static long openGroup(ExecutorService pool, TestingServer server, String job)
      throws Exception {
    String uri = "zk://" + server.getConnectString() + "?job=" + job + "&timeout=30s";
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Bootstrap>> opened = new ArrayList<>();
    for (int r = 0; r < RANKS; r++) {
      int rank = r;
      opened.add(
          pool.submit(
              () -> {
                go.await();
                return Bootstrap.open(uri, rank, RANKS);
              }));
    }
    long start = System.nanoTime();
    go.countDown();
    List<Bootstrap> group = new ArrayList<>();
    for (Future<Bootstrap> f : opened) {
      group.add(f.get(30, TimeUnit.SECONDS));
    }
    long took = System.nanoTime() - start;
    for (Bootstrap b : group) {
      assertEquals(RANKS, b.size());
    }
    List<Future<?>> closed = new ArrayList<>();
    for (Bootstrap b : group) {
      closed.add(pool.submit(b::close));
    }
    for (Future<?> f : closed) {
      f.get(30, TimeUnit.SECONDS);
    }
    return took;
  }

  /** The reference: each client connects, creates its node and waits until all 8 exist. */
  private static long bareGather(ExecutorService pool, TestingServer server, String path)
      throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<CuratorFramework>> done = new ArrayList<>();
    for (int r = 0; r < RANKS; r++) {
      int rank = r;
      done.add(
          pool.submit(
              () -> {
                go.await();
                CuratorFramework c =
                    CuratorFrameworkFactory.builder()
                        .connectString(server.getConnectString())
                        .sessionTimeoutMs(10000)
                        .retryPolicy(new RetryNTimes(3, 10))
                        .build();
                c.start();
                c.blockUntilConnected();
                c.create()
                    .creatingParentContainersIfNeeded()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(path + "/" + rank);
                Object signal = new Object();
                synchronized (signal) {
                  while (c.getChildren()
                          .usingWatcher(
                              (org.apache.zookeeper.Watcher)
                                  e -> {
                                    synchronized (signal) {
                                      signal.notifyAll();
                                    }
                                  })
                          .forPath(path)
                          .size()
                      < RANKS) {
                    signal.wait(1000);
                  }
                }
                return c;
              }));
    }
    long start = System.nanoTime();
    go.countDown();
    List<CuratorFramework> clients = new ArrayList<>();
    for (Future<CuratorFramework> f : done) {
      clients.add(f.get(30, TimeUnit.SECONDS));
    }
    long took = System.nanoTime() - start;
    for (CuratorFramework c : clients) {
      c.close();
    }
    return took;
  }
}
