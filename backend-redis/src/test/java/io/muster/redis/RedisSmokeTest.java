package io.muster.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisSmokeTest {
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
  void eightRanksGatherAndLeaveNoKeys(String transport) throws Exception {
    String job = RedisGroups.job();
    RedisGroups.run(
        redis.uri("job=" + job + "&transport=" + transport + "&timeout=30s"),
        8,
        b -> {
          List<byte[]> all = b.allGather(ByteBuffer.allocate(4).putInt(b.rank() * 7).array());
          for (int r = 0; r < 8; r++) {
            assertEquals(r * 7, ByteBuffer.wrap(all.get(r)).getInt());
          }
          b.barrier();
        });
    assertTrue(redis.keys("muster:{" + job + "}*").isEmpty(), () -> redis.keys("*").toString());
  }
}
