package io.muster.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ranks in processes of their own: a killed process is reported lost to the ranks still alive. */
class RedisProcessTest {
  static RedisServer redis;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    redis.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void aKilledRankProcessIsReportedLostWithinFiveSeconds(String transport) throws Exception {
    String uri = redis.uri("job=" + RedisGroups.job() + "&transport=" + transport + "&timeout=60s");
    Process rank2 = RankJvm.start(uri, "2", "3", "hold");
    try {
      List<Callable<Bootstrap>> open =
          List.of(() -> Bootstrap.open(uri, 0, 3), () -> Bootstrap.open(uri, 1, 3));
      List<Bootstrap> alive = RedisGroups.parallel(open);
      try {
        RedisGroups.onEach(alive, Bootstrap::barrier);
        assertEquals("ready", RankJvm.readLine(rank2));
        rank2.destroyForcibly(); // SIGKILL: no goodbye of any kind
        rank2.waitFor(10, TimeUnit.SECONDS);
        long killed = System.nanoTime();
        RedisGroups.onEach(
            alive,
            b -> {
              BootstrapException e =
                  assertThrows(
                      BootstrapException.class, () -> b.recv(2, 1, Duration.ofSeconds(30)));
              assertEquals(Code.PEER_LOST, e.code(), e.getMessage());
              assertEquals(List.of(2), e.ranks());
              long ms = (System.nanoTime() - killed) / 1_000_000;
              assertTrue(ms < 5_000, "noticed after " + ms + "ms");
              b.groupBarrier(0, 1);
            });
      } finally {
        RedisGroups.closeAll(alive);
      }
    } finally {
      rank2.destroyForcibly();
    }
  }
}
