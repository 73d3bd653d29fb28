package io.muster.redis;

import static io.muster.redis.RedisGroups.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.redis.internal.RedisTransportBootstrap;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.RedisClient;

/**
 * What is specific to redis://: conflicts found through Redis, rank assignment, keys and their
 * lifetime, jobs sharing a server, and a server that goes away. Both transports where it matters.
 */
class RedisBackendTest {
  /**
   * A thread per task: these tasks block (in open) until the others run, which a pool the size of
   * the cores (the common pool, on some JDKs) would never let them do.
   */
  private static final java.util.concurrent.Executor THREADS =
      task -> {
        Thread t = new Thread(task, "test-rank");
        t.setDaemon(true);
        t.start();
      };

  static RedisServer redis;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    redis.close();
  }

  private static String prefix(String job) {
    return "muster:{" + job + "}:";
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void keysCarryATtlWhileTheJobRunsAndNoneIsLeftAfterClose(String transport) throws Exception {
    String job = RedisGroups.job();
    RedisGroups.run(
        redis.uri("job=" + job + "&transport=" + transport + "&ttl=45s&timeout=30s"),
        4,
        b -> {
          b.send((b.rank() + 1) % 4, 1, new byte[100]);
          b.barrier();
          if (b.rank() == 0) {
            Set<String> keys = redis.keys(prefix(job) + "*");
            assertTrue(keys.size() >= 4, keys.toString()); // group, members, who, seat, alive…
            try (RedisClient c = redis.client()) {
              for (String k : keys) {
                long ttl = c.pttl(k); // -2: gone since the scan (an inbox read empty)
                assertTrue(ttl == -2 || (ttl > 0 && ttl <= 45_000), k + " has TTL " + ttl);
              }
              // ranks on one host are counted, so their receivers know whether to spin
              String instance = c.hget(prefix(job) + "group", "instance");
              String here = c.hget(prefix(job) + instance + ":hosts", "127.0.0.1");
              assertEquals(transport.equals("tcp") ? "4" : null, here);
            }
          }
          b.barrier(); // nobody closes before rank 0 has looked
          b.recv((b.rank() + 3) % 4, 1);
        });
    assertEquals(Set.of(), redis.keys(prefix(job) + "*"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void aHundredAndTwentyEightRanksGatherAndLeaveNoKeys(String transport) throws Exception {
    int n = 128;
    String job = RedisGroups.job();
    RedisGroups.run(
        redis.uri("job=" + job + "&transport=" + transport + "&timeout=100s"),
        n,
        b -> {
          List<byte[]> all = b.allGather(ByteBuffer.allocate(4).putInt(b.rank() * 3).array());
          for (int r = 0; r < n; r++) {
            assertEquals(r * 3, ByteBuffer.wrap(all.get(r)).getInt());
          }
          b.barrier();
        });
    assertEquals(Set.of(), redis.keys(prefix(job) + "*"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void twoConcurrentJobsOnOneServerNeverSeeEachOther(String transport) throws Exception {
    String a = RedisGroups.job();
    String b = RedisGroups.job();
    List<Callable<Void>> both = new ArrayList<>();
    for (String job : List.of(a, b)) {
      int n = job.equals(a) ? 3 : 5;
      both.add(
          () -> {
            RedisGroups.run(
                redis.uri("job=" + job + "&transport=" + transport + "&timeout=30s"),
                n,
                g -> {
                  List<byte[]> all = g.allGather(bytes(job + "/" + g.rank()));
                  assertEquals(n, all.size());
                  for (int r = 0; r < n; r++) {
                    assertEquals(job + "/" + r, new String(all.get(r), StandardCharsets.UTF_8));
                  }
                });
            return null;
          });
    }
    RedisGroups.parallel(both);
    assertEquals(Set.of(), redis.keys("muster:*"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void ranksAskingForAnyRankGetDistinctOnes(String transport) throws Exception {
    String uri = redis.uri("job=" + RedisGroups.job() + "&transport=" + transport + "&timeout=30s");
    List<Callable<Integer>> ranks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ranks.add(
          () -> {
            try (Bootstrap b = Bootstrap.open(uri, -1, 5)) {
              List<byte[]> all = b.allGather(new byte[] {(byte) b.rank()});
              for (int r = 0; r < 5; r++) {
                assertArrayEquals(new byte[] {(byte) r}, all.get(r));
              }
              return b.rank();
            }
          });
    }
    List<Integer> got = RedisGroups.parallel(ranks);
    assertEquals(Set.of(0, 1, 2, 3, 4), Set.copyOf(got), got.toString());
  }

  @Test
  void differentSizesFailEveryRankWithConfigAtOnce() throws Exception {
    String uri = redis.uri("job=" + RedisGroups.job() + "&timeout=60s");
    long start = System.nanoTime();
    // ranks 0 and 1 wait for a group of 3; rank 2 says the group has 4
    CompletableFuture<Throwable> r0 =
        CompletableFuture.supplyAsync(() -> failure(() -> Bootstrap.open(uri, 0, 3)), THREADS);
    CompletableFuture<Throwable> r1 =
        CompletableFuture.supplyAsync(() -> failure(() -> Bootstrap.open(uri, 1, 3)), THREADS);
    awaitMembers(uri, 2);
    Throwable r2 = failure(() -> Bootstrap.open(uri, 2, 4));
    for (Throwable t : List.of(r0.get(30, TimeUnit.SECONDS), r1.get(30, TimeUnit.SECONDS), r2)) {
      BootstrapException e = assertInstanceOf(BootstrapException.class, t);
      assertEquals(Code.CONFIG, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("size 4"), e.getMessage());
      assertTrue(e.getMessage().contains("size 3"), e.getMessage());
    }
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "took the timeout path");
  }

  @Test
  void aDifferentTokenFailsEveryRankWithConfigAndShowsNeither() throws Exception {
    String uri = redis.uri("job=" + RedisGroups.job() + "&timeout=60s");
    CompletableFuture<Throwable> good =
        CompletableFuture.supplyAsync(
            () -> failure(() -> Bootstrap.open(uri + "&token=right-one", 0, 2)), THREADS);
    awaitMembers(uri, 1);
    Throwable bad = failure(() -> Bootstrap.open(uri + "&token=wrong-one", 1, 2));
    for (Throwable t : List.of(good.get(30, TimeUnit.SECONDS), bad)) {
      BootstrapException e = assertInstanceOf(BootstrapException.class, t);
      assertEquals(Code.CONFIG, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("token"), e.getMessage());
      assertFalse(e.getMessage().contains("right-one") || e.getMessage().contains("wrong-one"));
    }
  }

  @Test
  void theSameTokenOnEveryRankWorks() throws Exception {
    RedisGroups.run(
        redis.uri("job=" + RedisGroups.job() + "&token=s3cret&timeout=30s"), 3, Bootstrap::barrier);
  }

  @Test
  void aRankClaimedTwiceIsAConfigErrorNamingIt() throws Exception {
    String uri = redis.uri("job=" + RedisGroups.job() + "&timeout=60s");
    CompletableFuture<Throwable> first =
        CompletableFuture.supplyAsync(() -> failure(() -> Bootstrap.open(uri, 1, 3)), THREADS);
    awaitMembers(uri, 1);
    Throwable second = failure(() -> Bootstrap.open(uri, 1, 3));
    for (Throwable t : List.of(first.get(30, TimeUnit.SECONDS), second)) {
      BootstrapException e = assertInstanceOf(BootstrapException.class, t);
      assertEquals(Code.CONFIG, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("rank 1 is claimed twice"), e.getMessage());
    }
  }

  @Test
  void mixedTransportsAreAConfigError() throws Exception {
    String uri = redis.uri("job=" + RedisGroups.job() + "&timeout=60s");
    CompletableFuture<Throwable> tcp =
        CompletableFuture.supplyAsync(() -> failure(() -> Bootstrap.open(uri, 0, 2)), THREADS);
    awaitMembers(uri, 1);
    Throwable viaRedis = failure(() -> Bootstrap.open(uri + "&transport=redis", 1, 2));
    for (Throwable t : List.of(tcp.get(30, TimeUnit.SECONDS), viaRedis)) {
      BootstrapException e = assertInstanceOf(BootstrapException.class, t);
      assertEquals(Code.CONFIG, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("transport=redis"), e.getMessage());
    }
  }

  @Test
  void aRunningJobOfTheSameNameIsAConfigErrorForANewcomer() throws Exception {
    String uri = redis.uri("job=" + RedisGroups.job() + "&timeout=30s");
    List<Bootstrap> running = RedisGroups.openAll(uri, 2);
    try {
      BootstrapException e =
          assertThrows(BootstrapException.class, () -> Bootstrap.open(uri, 0, 2));
      assertEquals(Code.CONFIG, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("already running"), e.getMessage());
      RedisGroups.onEach(running, Bootstrap::barrier); // the running job is unharmed
    } finally {
      RedisGroups.closeAll(running);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void aMissingRankIsNamedWhenOpenTimesOut(String transport) {
    String job = RedisGroups.job();
    String uri = redis.uri("job=" + job + "&transport=" + transport + "&timeout=1s");
    BootstrapException e = assertThrows(BootstrapException.class, () -> Bootstrap.open(uri, 1, 3));
    assertEquals(Code.TIMEOUT, e.code(), e.getMessage());
    assertEquals(List.of(0, 2), e.ranks());
    assertTrue(e.getMessage().contains("ranks [0, 2] of 3"), e.getMessage());
    assertEquals(Set.of(), redis.keys(prefix(job) + "*"), "the lone rank gave its seat back");
  }

  @Test
  void aCrashedPeerIsReportedLostWithinFiveSecondsAndTheOthersGoOn() throws Exception {
    RedisGroups.run(
        redis.uri("job=" + RedisGroups.job() + "&transport=redis&timeout=60s"),
        3,
        b -> {
          b.barrier();
          if (b.rank() == 2) {
            b.send(0, 5, bytes("last words"));
            ((RedisTransportBootstrap) b).crash();
            return;
          }
          long start = System.nanoTime();
          if (b.rank() == 0) {
            // what it sent before dying is still delivered, then the loss is reported
            assertArrayEquals(bytes("last words"), b.recv(2, 5, Duration.ofSeconds(30)));
          }
          BootstrapException e =
              assertThrows(BootstrapException.class, () -> b.recv(2, 1, Duration.ofSeconds(30)));
          assertEquals(Code.PEER_LOST, e.code(), e.getMessage());
          assertEquals(List.of(2), e.ranks());
          assertTrue(
              System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5),
              "took " + (System.nanoTime() - start) / 1_000_000 + "ms");
          b.groupBarrier(0, 1); // the survivors carry on
          b.send(1 - b.rank(), 2, new byte[] {(byte) b.rank()});
          assertArrayEquals(new byte[] {(byte) (1 - b.rank())}, b.recv(1 - b.rank(), 2));
        });
  }

  @Test
  void aRankThatClosedIsReportedAsLeftAfterItsLastMessages() throws Exception {
    RedisGroups.run(
        redis.uri("job=" + RedisGroups.job() + "&transport=redis&timeout=30s"),
        2,
        b -> {
          b.barrier();
          if (b.rank() == 1) {
            for (int i = 0; i < 50; i++) {
              b.send(0, 3, new byte[] {(byte) i});
            }
            return; // closes
          }
          for (int i = 0; i < 50; i++) {
            assertArrayEquals(new byte[] {(byte) i}, b.recv(1, 3));
          }
          BootstrapException e = assertThrows(BootstrapException.class, () -> b.recv(1, 3));
          assertEquals(Code.PEER_LOST, e.code(), e.getMessage());
          assertTrue(e.getMessage().contains("closed"), e.getMessage());
        });
  }

  @Test
  void garbageInAnInboxIsDroppedAndTheGroupCarriesOn() throws Exception {
    String job = RedisGroups.job();
    RedisGroups.run(
        redis.uri("job=" + job + "&transport=redis&timeout=30s"),
        2,
        b -> {
          if (b.rank() == 0) {
            try (RedisClient c = redis.client()) {
              String instance = c.hget(prefix(job) + "group", "instance");
              byte[] inbox = bytes(prefix(job) + instance + ":in:1");
              ByteBuffer huge = ByteBuffer.allocate(32);
              huge.put(new byte[] {'M', 'R', 1, 'D'}).putInt(0).putInt(7).putLong(99);
              huge.putInt(0).putInt(1).putInt(Integer.MAX_VALUE);
              ByteBuffer stranger = ByteBuffer.allocate(33);
              stranger.put(new byte[] {'M', 'R', 1, 'D'}).putInt(77).putInt(7).putLong(1);
              stranger.putInt(0).putInt(1).putInt(1).put((byte) 1);
              c.rpush(
                  inbox,
                  bytes("GET / HTTP/1.1"),
                  huge.array(),
                  stranger.array(),
                  new byte[] {'M', 'R', 9, 'D', 0},
                  bytes("lost:x"));
            }
          }
          b.barrier();
          b.send(1 - b.rank(), 7, new byte[] {(byte) b.rank()});
          assertArrayEquals(new byte[] {(byte) (1 - b.rank())}, b.recv(1 - b.rank(), 7));
          b.barrier();
        });
  }

  @Test
  void aCrashedJobOfTheSameNameDoesNotBlockTheNextRun() throws Exception {
    String job = RedisGroups.job();
    String uri = redis.uri("job=" + job + "&transport=redis&heartbeat=100ms&timeout=30s");
    List<Bootstrap> first = RedisGroups.openAll(uri, 2);
    RedisGroups.onEach(first, Bootstrap::barrier);
    for (Bootstrap b : first) {
      ((RedisTransportBootstrap) b).crash(); // keys stay behind, with a TTL
    }
    assertFalse(redis.keys(prefix(job) + "*").isEmpty());
    try (RedisClient c = redis.client()) {
      for (String k : redis.keys(prefix(job) + "*")) {
        assertTrue(c.pttl(k) > 0, k + " would stay for ever");
      }
    }
    // once the crashed ranks' leases have run out, a new run of the job starts afresh
    RedisGroups.await(
        "the crashed job's leases ran out",
        Duration.ofSeconds(10),
        () -> {
          try (RedisClient c = redis.client()) {
            String instance = c.hget(prefix(job) + "group", "instance");
            long now =
                (Long)
                    c.eval(
                        "local t = redis.call('TIME')"
                            + " return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)");
            return c.zcount(prefix(job) + instance + ":alive", now, Double.POSITIVE_INFINITY) == 0;
          }
        });
    RedisGroups.run(uri, 2, b -> b.allGather(new byte[] {1}));
    assertEquals(Set.of(), redis.keys(prefix(job) + "*"));
  }

  @Test
  void messagesAcrossPieceBoundariesAndOf256MiBArriveWholeThroughRedis() throws Exception {
    int chunk = 16 << 20;
    int[] sizes = {0, 1, chunk - 1, chunk, chunk + 1, (256 << 20) + 3};
    RedisGroups.run(
        redis.uri("job=" + RedisGroups.job() + "&transport=redis&timeout=120s"),
        2,
        b -> {
          int peer = 1 - b.rank();
          for (int n : sizes) {
            b.send(peer, 4, pattern(n, b.rank()));
          }
          for (int n : sizes) {
            byte[] got = b.recv(peer, 4);
            assertEquals(n, got.length);
            assertTrue(java.util.Arrays.equals(pattern(n, peer), got), "corrupt message of " + n);
          }
        });
  }

  private static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + seed * 7 + (i >>> 20));
    }
    return b;
  }

  @Test
  void concurrentSendersKeepTheOrderOfEachTag() throws Exception {
    int threads = 4;
    int each = 200;
    RedisGroups.run(
        redis.uri("job=" + RedisGroups.job() + "&transport=redis&timeout=60s"),
        2,
        b -> {
          if (b.rank() == 0) {
            List<Callable<Void>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
              int tag = t;
              senders.add(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      b.send(1, tag, ByteBuffer.allocate(4).putInt(i).array());
                    }
                    return null;
                  });
            }
            RedisGroups.parallel(senders);
          } else {
            List<Callable<Void>> receivers = new ArrayList<>();
            for (int t = threads - 1; t >= 0; t--) {
              int tag = t;
              receivers.add(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      assertEquals(i, ByteBuffer.wrap(b.recv(0, tag)).getInt(), "tag " + tag);
                    }
                    return null;
                  });
            }
            RedisGroups.parallel(receivers);
          }
          b.barrier();
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void closeLeavesNoThreadBehind(String transport) throws Exception {
    Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
    RedisGroups.run(
        redis.uri("job=" + RedisGroups.job() + "&transport=" + transport + "&timeout=30s"),
        3,
        b -> {
          assertFalse(
              RedisGroups.threadsStartedSince(before, "muster-redis").isEmpty(),
              "no heartbeat or inbox thread to check");
          b.barrier();
        });
    RedisGroups.await(
        "every muster-redis thread of the group ended",
        Duration.ofSeconds(10),
        () -> RedisGroups.threadsStartedSince(before, "muster-redis").isEmpty(),
        () -> RedisGroups.threadsStartedSince(before, "muster-redis"));
  }

  @Test
  void badUrisSayWhatIsWrong() {
    String base = "redis://127.0.0.1:" + redis.port();
    BootstrapException e =
        assertThrows(BootstrapException.class, () -> Bootstrap.open(base + "?size=2", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("job=NAME"), e.getMessage());
    e = assertThrows(BootstrapException.class, () -> Bootstrap.open(base + "/x?job=j", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("database"), e.getMessage());
    e =
        assertThrows(
            BootstrapException.class, () -> Bootstrap.open(base + "/99?job=j&timeout=5s", 0, 2));
    assertEquals(Code.CONFIG, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("database"), e.getMessage());
    e = assertThrows(BootstrapException.class, () -> Bootstrap.open(base + "?job=j&bogus=1", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("transport, heartbeat, ttl, cacert, bind"), e.getMessage());
    e =
        assertThrows(
            BootstrapException.class, () -> Bootstrap.open(base + "?job=j&cacert=/x.pem", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("rediss://"), e.getMessage());
    e = assertThrows(BootstrapException.class, () -> Bootstrap.open(base + "?job=a%20b", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    e =
        assertThrows(
            BootstrapException.class,
            () -> Bootstrap.open(base + "?job=j&heartbeat=10s&ttl=20s", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("ttl"), e.getMessage());
    e = assertThrows(BootstrapException.class, () -> Bootstrap.open("redis://a:1,b:2?job=j", 0, 2));
    assertEquals(Code.CONFIG, e.code());
  }

  @Test
  void nothingListeningIsUnavailableWithTheAddressAfterBoundedRetries() {
    int port = RedisServer.freePort();
    long start = System.nanoTime();
    BootstrapException e =
        assertThrows(
            BootstrapException.class,
            () -> Bootstrap.open("redis://127.0.0.1:" + port + "?job=j&timeout=60s", 0, 2));
    assertEquals(Code.UNAVAILABLE, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "retried for too long");
  }

  /** Waits until {@code n} ranks have claimed seats in the job of {@code uri}. */
  static void awaitMembers(String uri, int n) {
    String job = uri.replaceAll(".*job=([^&]*).*", "$1");
    RedisGroups.await(
        n + " ranks joined " + job,
        Duration.ofSeconds(20),
        () -> {
          try (RedisClient c = redis.client()) {
            String instance = c.hget(prefix(job) + "group", "instance");
            return instance != null && c.hlen(prefix(job) + instance + ":members") >= n;
          }
        });
  }
}
