package io.muster.redis;

import io.muster.conformance.ProcessConformanceKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@code redis://…?transport=redis} against the kit's process mode: one JVM per rank. */
class RedisTransportProcessConformanceTest extends ProcessConformanceKit {
  static RedisServer redis;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  @Override
  protected String groupUri(int size) {
    return redis.uri("job=" + RedisGroups.job() + "&transport=redis");
  }
}
