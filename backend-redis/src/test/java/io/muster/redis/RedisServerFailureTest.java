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
import io.muster.spi.BootstrapUri;
import io.muster.spi.CommonOptions;
import io.muster.spi.Option;
import io.muster.spi.Options;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

/** Redis servers that refuse the client, die or restart: each test has a server of its own. */
class RedisServerFailureTest {
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

  @Test
  void aWrongPasswordIsAConfigErrorNotAHang() throws Exception {
    try (RedisServer redis = RedisServer.start("--requirepass", "open-sesame")) {
      String job = RedisGroups.job();
      long start = System.nanoTime();
      for (String uri :
          List.of(
              "redis://:wrong-guess@127.0.0.1:" + redis.port() + "?job=" + job + "&timeout=60s",
              "redis://127.0.0.1:" + redis.port() + "?job=" + job + "&timeout=60s",
              "redis://someone:wrong-guess@127.0.0.1:"
                  + redis.port()
                  + "?job="
                  + job
                  + "&timeout=60s")) {
        for (String transport : List.of("tcp", "redis")) {
          BootstrapException e =
              assertThrows(
                  BootstrapException.class,
                  () -> Bootstrap.open(uri + "&transport=" + transport, 0, 2));
          assertEquals(Code.CONFIG, e.code(), e.getMessage());
          assertTrue(e.getMessage().contains("password"), e.getMessage());
          assertFalse(e.getMessage().contains("wrong-guess"), e.getMessage());
          assertFalse(e.getMessage().contains("open-sesame"), e.getMessage());
        }
      }
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "took the slow path");
      RedisGroups.run(
          "redis://:open-sesame@127.0.0.1:" + redis.port() + "?job=" + job + "&timeout=30s",
          2,
          Bootstrap::barrier);
    }
  }

  @Test
  void thePasswordMayComeFromTheEnvironment() throws Exception {
    try (RedisServer redis = RedisServer.start("--requirepass", "from-env")) {
      RedisBootstrapProvider provider =
          new RedisBootstrapProvider(
              Map.of("MUSTER_REDIS_PASSWORD", "from-env", "UNRELATED", "x")::get);
      BootstrapUri uri = BootstrapUri.parse(redis.uri("job=" + RedisGroups.job() + "&timeout=30s"));
      List<Option<?>> accepted = new ArrayList<>(CommonOptions.ALL);
      accepted.addAll(provider.options());
      Options options = Options.parse(uri, accepted);
      List<Bootstrap> group =
          RedisGroups.parallel(
              List.of(
                  () -> provider.open(uri, 0, 2, options),
                  () -> provider.open(uri, 1, 2, options)));
      try {
        RedisGroups.onEach(group, Bootstrap::barrier);
      } finally {
        RedisGroups.closeAll(group);
      }
    }
  }

  @Test
  void aServerKilledDuringRendezvousIsUnavailableOnEveryRankWithinTheTimeout() throws Exception {
    Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
    try (RedisServer redis = RedisServer.start()) {
      String job = RedisGroups.job();
      long start = System.nanoTime();
      List<CompletableFuture<Throwable>> waiting = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        int rank = r;
        String transport = r == 1 ? "redis" : "tcp";
        String uri =
            redis.uri("job=" + job + "-" + transport + "&transport=" + transport + "&timeout=30s");
        waiting.add(
            CompletableFuture.supplyAsync(
                () -> failure(() -> Bootstrap.open(uri, rank, 4)), THREADS));
      }
      RedisGroups.await(
          "three ranks joined",
          Duration.ofSeconds(20),
          () -> redis.keys("muster:*:members").size() == 2 && membersJoined(redis) == 3);
      redis.kill();
      for (CompletableFuture<Throwable> f : waiting) {
        BootstrapException e =
            assertInstanceOf(BootstrapException.class, f.get(40, TimeUnit.SECONDS));
        assertEquals(Code.UNAVAILABLE, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + redis.port()), e.getMessage());
      }
      assertTrue(
          System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "a rank ran into its timeout");
    }
    // a failed open releases what it started: heartbeat, inbox reader, the shared I/O thread
    RedisGroups.await(
        "every muster thread the failed opens started ended",
        Duration.ofSeconds(10),
        () -> RedisGroups.threadsStartedSince(before, "muster-").isEmpty(),
        () -> RedisGroups.threadsStartedSince(before, "muster-"));
  }

  private static long membersJoined(RedisServer redis) {
    long n = 0;
    try (RedisClient c = redis.client()) {
      for (String k : redis.keys("muster:*:members")) {
        n += c.hlen(k);
      }
    }
    return n;
  }

  @Test
  void aServerRestartedMidJobDoesNotCorruptALaterJob() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      String job = RedisGroups.job();
      String viaTcp = redis.uri("job=" + job + "&heartbeat=100ms&timeout=30s");
      String viaRedis = redis.uri("job=" + job + "-r&transport=redis&heartbeat=100ms&timeout=30s");
      List<Bootstrap> oldTcp = RedisGroups.openAll(viaTcp, 2);
      List<Bootstrap> oldRedis = RedisGroups.openAll(viaRedis, 2);
      try {
        RedisGroups.onEach(oldTcp, Bootstrap::barrier);
        RedisGroups.onEach(oldRedis, Bootstrap::barrier);
        redis.kill();
        redis.restart();

        // a new run of the same job names on the fresh server
        List<Bootstrap> newTcp = RedisGroups.openAll(viaTcp, 3);
        List<Bootstrap> newRedis = RedisGroups.openAll(viaRedis, 3);
        try {
          // the old groups notice their state vanished, and their closing deletes nothing new
          for (Bootstrap b : oldRedis) {
            BootstrapException e =
                assertThrows(BootstrapException.class, () -> b.recv(1 - b.rank(), 1));
            assertEquals(Code.UNAVAILABLE, e.code(), e.getMessage());
          }
          // the old tcp group's messages still travel
          RedisGroups.onEach(
              oldTcp,
              b -> {
                b.send(1 - b.rank(), 4, new byte[] {(byte) b.rank()});
                assertArrayEquals(new byte[] {(byte) (1 - b.rank())}, b.recv(1 - b.rank(), 4));
              });
          RedisGroups.closeAll(oldTcp);
          RedisGroups.closeAll(oldRedis);
          for (List<Bootstrap> group : List.of(newTcp, newRedis)) {
            RedisGroups.onEach(
                group,
                b -> {
                  List<byte[]> all = b.allGather(new byte[] {(byte) (10 + b.rank())});
                  for (int r = 0; r < 3; r++) {
                    assertArrayEquals(new byte[] {(byte) (10 + r)}, all.get(r));
                  }
                });
          }
        } finally {
          RedisGroups.closeAll(newTcp);
          RedisGroups.closeAll(newRedis);
        }
        assertEquals(Set.of(), redis.keys("muster:*"));
      } finally {
        RedisGroups.closeAll(oldTcp);
        RedisGroups.closeAll(oldRedis);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void aServerThatStallsLongerThanALeaseDeclaresNobodyLost(String transport) throws Exception {
    try (RedisServer redis = RedisServer.start("--enable-debug-command", "local")) {
      String job = RedisGroups.job();
      List<Bootstrap> group =
          RedisGroups.openAll(
              redis.uri("job=" + job + "&transport=" + transport + "&heartbeat=1s&timeout=60s"), 3);
      try {
        RedisGroups.onEach(group, Bootstrap::barrier);
        long stallEnd;
        try (RedisClient c =
            RedisClient.builder()
                .hostAndPort(new HostAndPort("127.0.0.1", redis.port()))
                .clientConfig(
                    DefaultJedisClientConfig.builder().socketTimeoutMillis(20_000).build())
                .build()) {
          c.sendCommand(() -> "DEBUG".getBytes(StandardCharsets.US_ASCII), "SLEEP", "4.5");
          stallEnd = serverMillis(c);
          // every rank renews its lease after the stall (each one's had run out during it)
          RedisGroups.await(
              "every rank renewed its lease after the stall",
              Duration.ofSeconds(20),
              () -> {
                String instance = c.hget("muster:{" + job + "}:group", "instance");
                List<Double> leases = new ArrayList<>();
                for (int r = 0; r < 3; r++) {
                  leases.add(c.zscore("muster:{" + job + "}:" + instance + ":alive", "" + r));
                }
                return leases.stream().allMatch(l -> l != null && l > stallEnd + 3000);
              });
        }
        RedisGroups.onEach(
            group,
            b -> {
              for (int peer = 0; peer < 3; peer++) {
                b.send(peer, 6, new byte[] {(byte) b.rank()});
              }
              for (int peer = 0; peer < 3; peer++) {
                assertArrayEquals(new byte[] {(byte) peer}, b.recv(peer, 6));
              }
              b.barrier();
            });
      } finally {
        RedisGroups.closeAll(group);
      }
    }
  }

  private static long serverMillis(RedisClient c) {
    return (Long)
        c.eval(
            "local t = redis.call('TIME')"
                + " return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)");
  }

  @Test
  void aServerGoneMidJobFailsRedisTransportCallsWithUnavailable() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      List<Bootstrap> group =
          RedisGroups.openAll(
              redis.uri("job=" + RedisGroups.job() + "&transport=redis&timeout=60s"), 2);
      try {
        RedisGroups.onEach(group, Bootstrap::barrier);
        long start = System.nanoTime();
        CompletableFuture<Throwable> pending =
            CompletableFuture.supplyAsync(() -> failure(() -> group.get(0).recv(1, 9)), THREADS);
        redis.kill();
        BootstrapException e =
            assertInstanceOf(BootstrapException.class, pending.get(30, TimeUnit.SECONDS));
        assertEquals(Code.UNAVAILABLE, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + redis.port()), e.getMessage());
        BootstrapException later =
            assertThrows(BootstrapException.class, () -> group.get(1).send(0, 1, new byte[1]));
        assertEquals(Code.UNAVAILABLE, later.code(), later.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
      } finally {
        long start = System.nanoTime();
        RedisGroups.closeAll(group);
        assertTrue(
            System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "close was not bounded");
      }
    }
  }
}
