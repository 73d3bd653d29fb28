package io.muster.redis;

import io.muster.conformance.ProcessConformanceKit;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code redis://…} (messages over TCP) against the kit's process mode: one JVM per rank. */
class RedisProcessConformanceTest extends ProcessConformanceKit {
  @RegisterExtension static final RedisForClass redis = new RedisForClass("");

  @Override
  protected String groupUri(int size) {
    return redis.newGroup();
  }
}
