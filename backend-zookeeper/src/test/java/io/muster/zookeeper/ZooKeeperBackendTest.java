package io.muster.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The zk:// backend against a real ZooKeeper server in this JVM, ranks as threads. */
class ZooKeeperBackendTest {
  private static final AtomicInteger jobs = new AtomicInteger();
  private static TestingServer server;
  private static CuratorFramework inspect;

  @BeforeAll
  static void start() throws Exception {
    server = ZkServers.server();
    inspect = ZkServers.client(server.getConnectString());
  }

  @AfterAll
  static void stop() throws Exception {
    inspect.close();
    server.close();
  }

  /** Every test leaves the tree as it found it: empty. */
  @AfterEach
  void nothingLeft() throws Exception {
    assertEquals(List.of(), ZkServers.tree(inspect), "znodes left behind");
  }

  private static String job() {
    return "job-" + jobs.incrementAndGet();
  }

  private static String uri(String job, String extra) {
    return "zk://" + server.getConnectString() + "?job=" + job + "&session=4s" + extra;
  }

  private static BootstrapException failure(Ranks.Outcome o) {
    assertNotNull(o.error, "rank " + o.index + " should have failed");
    assertTrue(o.error instanceof BootstrapException, "not a BootstrapException: " + o.error);
    return (BootstrapException) o.error;
  }

  @Nested
  @DisplayName("Rendezvous: ranks meet under the job node and TCP carries the messages")
  class Rendezvous {
    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {1, 3, 8})
    @DisplayName("given ranks reach each other, and the job node is gone after close")
    void givenRanks(int n) throws Exception {
      Ranks.runAll(
          uri(job(), "&timeout=30s"),
          n,
          b -> {
            for (int p = 0; p < n; p++) {
              b.send(p, 1, new byte[] {(byte) b.rank(), (byte) p});
            }
            for (int p = 0; p < n; p++) {
              byte[] m = b.recv(p, 1, Duration.ofSeconds(20));
              assertEquals(p, m[0]);
              assertEquals(b.rank(), m[1]);
            }
            List<byte[]> all = b.allGather(new byte[] {(byte) b.rank()});
            for (int r = 0; r < n; r++) {
              assertEquals(r, all.get(r)[0]);
            }
          });
    }

    @Test
    @DisplayName("rank=-1 assigns ranks 0..N-1 in order of arrival")
    void assignedRanks() throws Exception {
      int n = 5;
      Set<Integer> ranks = ConcurrentHashMap.newKeySet();
      String u = uri(job(), "&timeout=30s");
      List<Ranks.Outcome> outcomes =
          Ranks.run(
              i -> u,
              new int[] {-1, -1, -1, -1, -1},
              n,
              b -> {
                assertTrue(ranks.add(b.rank()), "rank " + b.rank() + " given twice");
                List<byte[]> all = b.allGather(new byte[] {(byte) b.rank()});
                for (int r = 0; r < n; r++) {
                  assertEquals(r, all.get(r)[0]);
                }
              });
      for (Ranks.Outcome o : outcomes) {
        assertNull(o.error, () -> "process " + o.index + ": " + o.error);
      }
      assertEquals(Set.of(0, 1, 2, 3, 4), ranks);
    }

    @Test
    @DisplayName("with rank=-1, a process beyond the size fails with CONFIG; the group forms")
    void tooManyForAssignment() throws Exception {
      String u = uri(job(), "&timeout=30s");
      Set<Integer> ranks = ConcurrentHashMap.newKeySet();
      List<Ranks.Outcome> outcomes =
          Ranks.run(i -> u, new int[] {-1, -1, -1}, 2, b -> ranks.add(b.rank()));
      List<BootstrapException> failed = new ArrayList<>();
      for (Ranks.Outcome o : outcomes) {
        if (o.error != null) {
          failed.add(failure(o));
        }
      }
      assertEquals(1, failed.size(), "exactly one process is one too many: " + failed);
      assertEquals(Code.CONFIG, failed.get(0).code());
      assertTrue(failed.get(0).getMessage().contains("too late"), failed.get(0).getMessage());
      assertEquals(Set.of(0, 1), ranks);
    }

    @Test
    @DisplayName("a job node left by an earlier, killed run is replaced")
    void staleJobNode() throws Exception {
      String job = job();
      String path = "/muster/" + job;
      inspect
          .create()
          .creatingParentContainersIfNeeded()
          .forPath(
              path,
              ("muster-zk 1\nsize 7\nranks given\ntoken -\ncreator rank 3 at 10.9.9.9:1 (old, pid"
                      + " 1)\n")
                  .getBytes(StandardCharsets.UTF_8));
      inspect.create().forPath(path + "/left-3");
      inspect.create().forPath(path + "/conflict", "old news".getBytes(StandardCharsets.UTF_8));
      Ranks.runAll(uri(job, "&timeout=30s"), 2, Bootstrap::barrier);
    }

    @Test
    @DisplayName("a root path in the URI holds the job; the root is a container ZooKeeper reaps")
    void rootInUri() throws Exception {
      String job = job();
      String u =
          "zk://" + server.getConnectString() + "/apps/ml?job=" + job + "&session=4s&timeout=30s";
      Ranks.runAll(
          u,
          2,
          b -> {
            b.barrier();
            assertNotNull(inspect.checkExists().forPath("/apps/ml/" + job));
            b.barrier();
          });
      assertNull(inspect.checkExists().forPath("/apps/ml/" + job), "job node after close");
      // /apps and /apps/ml are containers: the server deletes them once empty (every second here)
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!ZkServers.tree(inspect).isEmpty() && System.nanoTime() < until) {
        Thread.sleep(50); // polling a condition with a deadline
      }
    }

    @Test
    @DisplayName(
        "digest auth: the job's nodes belong to that identity; other credentials get CONFIG")
    void digestAuth() throws Exception {
      String job = job();
      String alice =
          "zk://alice:wonder@" + server.getConnectString() + "?job=" + job + "&timeout=30s";
      String bob = "zk://bob:builder@" + server.getConnectString() + "?job=" + job + "&timeout=30s";
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try (CuratorFramework asAlice = ZkServers.client(server.getConnectString(), "alice:wonder")) {
        Future<?> rank0 =
            pool.submit(
                () -> {
                  try (Bootstrap b = Bootstrap.open(alice, 0, 2)) {
                    b.barrier();
                  }
                  return null;
                });
        awaitNode(asAlice, "/muster/" + job);
        List<ACL> acl = asAlice.getACL().forPath("/muster/" + job);
        assertEquals(1, acl.size(), acl.toString());
        assertEquals("digest", acl.get(0).getId().getScheme());
        assertTrue(acl.get(0).getId().getId().startsWith("alice:"), acl.toString());
        BootstrapException e =
            assertThrows(BootstrapException.class, () -> Bootstrap.open(bob, 1, 2).close());
        assertEquals(Code.CONFIG, e.code(), e.toString());
        assertTrue(e.getMessage().contains("credentials"), e.getMessage());
        assertFalse(e.getMessage().contains("builder"), "password in " + e.getMessage());
        try (Bootstrap b = Bootstrap.open(alice, 1, 2)) {
          b.barrier();
        }
        rank0.get(30, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Nested
  @DisplayName("Conflicts fail every rank with CONFIG, fast")
  class Conflicts {
    private void assertAllConfig(List<Ranks.Outcome> outcomes, String mentions, long startNanos) {
      for (Ranks.Outcome o : outcomes) {
        BootstrapException e = failure(o);
        assertEquals(Code.CONFIG, e.code(), e.toString());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
      }
      long took = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
      assertTrue(took < 20, "conflicts must not wait for the 60 s timeout; took " + took + " s");
    }

    @Test
    @DisplayName("different sizes")
    void sizes() throws Exception {
      String u = uri(job(), "&timeout=60s");
      long start = System.nanoTime();
      int[] sizes = {2, 3};
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<Ranks.Outcome>> f = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          int index = i;
          f.add(
              pool.submit(
                  () -> {
                    try (Bootstrap b = Bootstrap.open(u, index, sizes[index])) {
                      return new Ranks.Outcome(index, null);
                    } catch (BootstrapException e) {
                      return new Ranks.Outcome(index, e);
                    }
                  }));
        }
        List<Ranks.Outcome> outcomes = new ArrayList<>();
        for (Future<Ranks.Outcome> o : f) {
          outcomes.add(o.get(60, TimeUnit.SECONDS));
        }
        assertAllConfig(outcomes, "size", start);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @DisplayName("a rank claimed twice")
    void duplicateRank() throws Exception {
      String u = uri(job(), "&timeout=60s");
      long start = System.nanoTime();
      assertAllConfig(Ranks.run(i -> u, new int[] {0, 1, 1}, 3, b -> {}), "claimed twice", start);
    }

    @Test
    @DisplayName("different tokens, without showing either")
    void tokens() throws Exception {
      String job = job();
      long start = System.nanoTime();
      List<Ranks.Outcome> outcomes =
          Ranks.run(
              i -> uri(job, "&timeout=60s&token=" + (i == 0 ? "sesame" : "barley")),
              new int[] {0, 1},
              2,
              b -> {});
      assertAllConfig(outcomes, "token", start);
      for (Ranks.Outcome o : outcomes) {
        assertFalse(o.error.getMessage().contains("sesame"), o.error.getMessage());
        assertFalse(o.error.getMessage().contains("barley"), o.error.getMessage());
      }
    }

    @Test
    @DisplayName("given and assigned ranks in one job")
    void mixedRankModes() throws Exception {
      String u = uri(job(), "&timeout=60s");
      long start = System.nanoTime();
      assertAllConfig(Ranks.run(i -> u, new int[] {0, -1}, 2, b -> {}), "rank=-1", start);
    }

    @Test
    @DisplayName("a node that is not a muster job")
    void foreignNode() throws Exception {
      String job = job();
      inspect.create().creatingParentsIfNeeded().forPath("/muster/" + job, new byte[] {1, 2, 3});
      try {
        BootstrapException e =
            assertThrows(BootstrapException.class, () -> Bootstrap.open(uri(job, ""), 0, 1));
        assertEquals(Code.CONFIG, e.code());
        assertTrue(e.getMessage().contains("not a muster job node"), e.getMessage());
      } finally {
        inspect.delete().forPath("/muster/" + job);
        inspect.delete().forPath("/muster");
      }
    }
  }

  @Nested
  @DisplayName("Failures name what happened")
  class Failures {
    @Test
    @DisplayName("a missing rank: TIMEOUT naming it, on every rank, whenever each one's time is up")
    void missingRank() throws Exception {
      String job = job();
      // rank 0 gives up first; rank 1, timing out later, still names only rank 2 (not rank 0)
      String[] timeouts = {"1500ms", "3s"};
      List<Ranks.Outcome> outcomes =
          Ranks.run(i -> uri(job, "&timeout=" + timeouts[i]), new int[] {0, 1}, 3, b -> {});
      for (Ranks.Outcome o : outcomes) {
        BootstrapException e = failure(o);
        assertEquals(Code.TIMEOUT, e.code(), e.toString());
        assertEquals(List.of(2), e.ranks(), e.toString());
        assertTrue(e.getMessage().contains("rank 2 of 3"), e.getMessage());
      }
    }

    @Test
    @DisplayName("no ZooKeeper at the address: UNAVAILABLE, without secrets in the message")
    void unreachable() throws Exception {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      String u =
          "zk://ann:s3cret@127.0.0.1:"
              + port
              + "?job=nowhere&connect=700ms&token=t0ken&timeout=30s";
      long start = System.nanoTime();
      BootstrapException e = assertThrows(BootstrapException.class, () -> Bootstrap.open(u, 0, 2));
      assertEquals(Code.UNAVAILABLE, e.code(), e.toString());
      assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
      assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
      assertFalse(e.getMessage().contains("t0ken"), e.getMessage());
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "connect=700ms");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "zk:?job=x",
          "zk://127.0.0.1:2181?job=a%2Fb",
          "zk://127.0.0.1:2181?job=zookeeper",
          "zk://ann@127.0.0.1:2181?job=x",
          "zk://127.0.0.1:2181?job=x&colour=blue",
          "zk://127.0.0.1:2181?job=x&session=soon",
          "zk://127.0.0.1:2181/bad//root?job=x"
        })
    @DisplayName("a malformed URI: CONFIG")
    void malformed(String u) {
      BootstrapException e = assertThrows(BootstrapException.class, () -> Bootstrap.open(u, 0, 1));
      assertEquals(Code.CONFIG, e.code(), e.toString());
    }
  }

  @Nested
  @DisplayName("Liveness: ZooKeeper sessions tell who is gone")
  class Liveness {
    @Test
    @DisplayName(
        "a rank whose session expires is PEER_LOST to the others and UNAVAILABLE to itself")
    void sessionExpiry() throws Exception {
      String job = job();
      try (Cuttable link = new Cuttable(server.getPort())) {
        String direct = uri(job, "&timeout=60s");
        String viaLink =
            "zk://127.0.0.1:" + link.port() + "?job=" + job + "&session=4s&timeout=60s";
        CountDownLatch opened = new CountDownLatch(3);
        AtomicLong cutAt = new AtomicLong();
        CountDownLatch cutDone = new CountDownLatch(1);
        CountDownLatch rank2Saw = new CountDownLatch(1);
        CountDownLatch survivorsSaw = new CountDownLatch(2);
        List<BootstrapException> seen = new ArrayList<>(List.of(ok(), ok(), ok()));
        long[] after = new long[3];
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
          List<Future<?>> done = new ArrayList<>();
          for (int r = 0; r < 3; r++) {
            int rank = r;
            done.add(
                pool.submit(
                    () -> {
                      try (Bootstrap b = Bootstrap.open(rank == 2 ? viaLink : direct, rank, 3)) {
                        b.barrier();
                        opened.countDown();
                        cutDone.await();
                        BootstrapException e =
                            assertThrows(
                                BootstrapException.class,
                                // rank 2 waits on itself: only its own failure can end that
                                // (peers dropping it may show as PEER_LOST before that)
                                () -> b.recv(2, 5, Duration.ofSeconds(30)));
                        after[rank] = System.nanoTime() - cutAt.get();
                        seen.set(rank, e);
                        if (rank == 2) {
                          BootstrapException later =
                              assertThrows(
                                  BootstrapException.class, () -> b.send(0, 1, new byte[1]));
                          assertEquals(Code.UNAVAILABLE, later.code(), later.toString());
                          rank2Saw.countDown();
                          // closing says goodbye over TCP: the others must find out on their own
                          assertTrue(survivorsSaw.await(30, TimeUnit.SECONDS));
                        } else {
                          survivorsSaw.countDown();
                          b.groupBarrier(0, 1); // the survivors go on
                          // closing would tell rank 2 over TCP; it must find out on its own
                          assertTrue(rank2Saw.await(30, TimeUnit.SECONDS));
                        }
                      }
                      return null;
                    }));
          }
          assertTrue(opened.await(30, TimeUnit.SECONDS));
          cutAt.set(System.nanoTime());
          link.cut();
          cutDone.countDown();
          for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
          }
        } finally {
          pool.shutdownNow();
        }
        long bound = TimeUnit.SECONDS.toNanos(4 + 2);
        for (int r = 0; r < 2; r++) {
          assertEquals(Code.PEER_LOST, seen.get(r).code(), seen.get(r).toString());
          assertEquals(List.of(2), seen.get(r).ranks());
          assertTrue(
              seen.get(r).getMessage().contains("ZooKeeper session"), seen.get(r).toString());
          assertTrue(after[r] < bound, "rank " + r + " heard after " + after[r] / 1e9 + " s");
        }
        assertEquals(Code.UNAVAILABLE, seen.get(2).code(), seen.get(2).toString());
        assertTrue(seen.get(2).getMessage().contains("ZooKeeper session"), seen.get(2).toString());
        assertTrue(after[2] < bound, "rank 2 heard after " + after[2] / 1e9 + " s");
      }
    }

    private BootstrapException ok() {
      return new BootstrapException(Code.INTERNAL, "nothing seen");
    }

    @Test
    @DisplayName("a connection loss shorter than the session is ridden out")
    void shortConnectionLoss() throws Exception {
      String job = job();
      try (Cuttable link = new Cuttable(server.getPort())) {
        String direct = uri(job, "&timeout=60s");
        String viaLink =
            "zk://127.0.0.1:" + link.port() + "?job=" + job + "&session=4s&timeout=60s";
        CountDownLatch opened = new CountDownLatch(2);
        CountDownLatch restored = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
          List<Future<?>> done = new ArrayList<>();
          for (int r = 0; r < 2; r++) {
            int rank = r;
            done.add(
                pool.submit(
                    () -> {
                      try (Bootstrap b = Bootstrap.open(rank == 1 ? viaLink : direct, rank, 2)) {
                        b.barrier();
                        opened.countDown();
                        restored.await();
                        for (int i = 0; i < 20; i++) {
                          b.barrier();
                          assertEquals(i % 2, b.broadcast(i % 2, new byte[] {(byte) rank})[0]);
                        }
                        b.barrier();
                      }
                      return null;
                    }));
          }
          assertTrue(opened.await(30, TimeUnit.SECONDS));
          long session = ownerOfRank(job, 1);
          long cutAt = System.nanoTime();
          link.cut();
          Thread.sleep(1500); // the outage itself: shorter than the 4 s session
          link.restore();
          // the scenario: let the session timeout pass, counted from the cut; had rank 1's client
          // not reconnected, ZooKeeper would have expired its session by now (rank 0: PEER_LOST)
          // and Curator would have declared it LOST (rank 1: UNAVAILABLE)
          Thread.sleep(Math.max(0, TimeUnit.SECONDS.toMillis(6) - elapsedMillis(cutAt)));
          assertEquals(session, ownerOfRank(job, 1), "rank 1's session changed");
          restored.countDown();
          for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
          }
        } finally {
          pool.shutdownNow();
        }
      }
    }
  }

  /** The session that holds rank {@code r}'s node. */
  private static long ownerOfRank(String job, int r) throws Exception {
    for (String child : inspect.getChildren().forPath("/muster/" + job)) {
      if (child.startsWith("rank-" + r + "@")) {
        Stat s = inspect.checkExists().forPath("/muster/" + job + "/" + child);
        if (s != null) {
          return s.getEphemeralOwner();
        }
      }
    }
    throw new AssertionError("no node for rank " + r + " in " + job);
  }

  private static long elapsedMillis(long sinceNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
  }

  private static void awaitNode(CuratorFramework client, String path) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (client.checkExists().forPath(path) == null) {
      assertTrue(System.nanoTime() < until, path + " never appeared");
      Thread.sleep(10); // polling a condition with a deadline
    }
  }
}
