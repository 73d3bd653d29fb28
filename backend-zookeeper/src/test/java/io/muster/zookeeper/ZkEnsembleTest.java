package io.muster.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A three-server ensemble: losing one server (the leader, so every client is disconnected while the
 * others elect a new one) is ridden out; losing two (the quorum) fails every rank with {@code
 * UNAVAILABLE}. Sessions are 8 s here, room for an election on two shared cores.
 */
class ZkEnsembleTest {
  private static final int SESSION_S = 8;
  private static final AtomicInteger jobs = new AtomicInteger();
  private TestingCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = ZkServers.ensemble();
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  private String uri(String extra) {
    return "zk://"
        + cluster.getConnectString()
        + "?job=ensemble-"
        + jobs.incrementAndGet()
        + "&session="
        + SESSION_S
        + "s"
        + extra;
  }

  private void assertNoZnodes() throws Exception {
    try (CuratorFramework inspect = ZkServers.client(cluster.getConnectString())) {
      assertEquals(List.of(), ZkServers.tree(inspect));
    }
  }

  /** Ranks 0..n-1 on threads; {@code open} counts down once each has opened. */
  private List<Future<?>> startRanks(
      ExecutorService pool, String uri, int from, int to, int size, Ranks.Body body) {
    List<Future<?>> f = new ArrayList<>();
    for (int r = from; r < to; r++) {
      int rank = r;
      f.add(
          pool.submit(
              () -> {
                try (Bootstrap b = Bootstrap.open(uri, rank, size)) {
                  body.run(b);
                }
                return null;
              }));
    }
    return f;
  }

  private static void awaitAll(List<Future<?>> futures) throws Exception {
    for (Future<?> f : futures) {
      f.get(90, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("the leader stops while half the ranks wait in open: the job completes")
  void leaderStopsDuringRendezvous() throws Exception {
    String u = uri("&timeout=60s");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (CuratorFramework inspect = ZkServers.client(cluster.getConnectString())) {
      Ranks.Body body =
          b -> {
            for (int i = 0; i < 10; i++) {
              b.barrier();
            }
            assertEquals(4, b.allGather(new byte[] {(byte) b.rank()}).size());
          };
      List<Future<?>> first = startRanks(pool, u, 0, 2, 4, body);
      String job = u.substring(u.indexOf("job=") + 4, u.indexOf('&'));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (inspect.checkExists().forPath("/muster/" + job) == null
          || inspect.getChildren().forPath("/muster/" + job).size() < 2) {
        assertTrue(System.nanoTime() < until, "ranks 0 and 1 never registered");
        Thread.sleep(20); // polling a condition with a deadline
      }
      ZkServers.leader(cluster).stop();
      List<Future<?>> second = startRanks(pool, u, 2, 4, 4, body);
      awaitAll(first);
      awaitAll(second);
    } finally {
      pool.shutdownNow();
    }
    assertNoZnodes();
  }

  @Test
  @DisplayName("the leader stops during a barrier loop: the loop goes on past the session timeout")
  void leaderStopsDuringBarriers() throws Exception {
    String u = uri("&timeout=60s");
    CountDownLatch looping = new CountDownLatch(4);
    CountDownLatch stopped = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> ranks =
          startRanks(
              pool,
              u,
              0,
              4,
              4,
              b -> {
                for (int i = 0; i < 20; i++) {
                  b.barrier();
                }
                looping.countDown();
                stopped.await();
                // keep going until well past the session timeout after the stop: a session lost
                // to the outage would fail this rank (UNAVAILABLE) or its peers (PEER_LOST)
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SESSION_S + 3);
                int n = 0;
                boolean more = true;
                while (more) {
                  b.barrier();
                  n++;
                  // rank 0's clock decides for all, so every rank runs the same collectives
                  byte[] go = {(byte) (System.nanoTime() < end || n < 100 ? 1 : 0)};
                  more = b.broadcast(0, go)[0] == 1;
                }
              });
      assertTrue(looping.await(60, TimeUnit.SECONDS));
      ZkServers.leader(cluster).stop();
      stopped.countDown();
      awaitAll(ranks);
    } finally {
      pool.shutdownNow();
    }
    assertNoZnodes();
  }

  @Test
  @DisplayName("two servers stop during a barrier loop: every rank fails with UNAVAILABLE")
  void quorumLostDuringBarriers() throws Exception {
    String u = uri("&timeout=60s");
    CountDownLatch looping = new CountDownLatch(3);
    CountDownLatch stopped = new CountDownLatch(1);
    CountDownLatch allFailed = new CountDownLatch(3);
    AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(3);
    long[] after = new long[3];
    long[] stoppedAt = new long[1];
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> ranks =
          startRanks(
              pool,
              u,
              0,
              3,
              3,
              b -> {
                b.barrier();
                looping.countDown();
                stopped.await();
                try {
                  long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                  while (System.nanoTime() < end) {
                    b.barrier();
                  }
                } catch (BootstrapException e) {
                  after[b.rank()] = System.nanoTime() - stoppedAt[0];
                  errors.set(b.rank(), e);
                }
                allFailed.countDown();
                // closing now would tell the others over TCP before ZooKeeper does
                allFailed.await(60, TimeUnit.SECONDS);
              });
      assertTrue(looping.await(60, TimeUnit.SECONDS));
      List<TestingZooKeeperServer> servers = cluster.getServers();
      stoppedAt[0] = System.nanoTime();
      servers.get(0).stop();
      servers.get(1).stop();
      stopped.countDown();
      awaitAll(ranks);
      // and opening now fails the same way, once the connect time is up
      BootstrapException e =
          assertThrows(
              BootstrapException.class, () -> Bootstrap.open(uri("&timeout=60s&connect=2s"), 0, 2));
      assertEquals(Code.UNAVAILABLE, e.code(), e.toString());
    } finally {
      pool.shutdownNow();
    }
    for (int r = 0; r < 3; r++) {
      Throwable t = errors.get(r);
      assertTrue(t instanceof BootstrapException, "rank " + r + ": " + t);
      BootstrapException e = (BootstrapException) t;
      assertEquals(Code.UNAVAILABLE, e.code(), "rank " + r + ": " + e);
      assertTrue(e.getMessage().contains("ZooKeeper session"), e.getMessage());
      assertTrue(
          after[r] < TimeUnit.SECONDS.toNanos(SESSION_S + 5),
          "rank " + r + " failed after " + after[r] / 1e9 + " s");
    }
  }
}
