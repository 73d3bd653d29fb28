package io.muster.redis;

import io.muster.conformance.ProcessConformanceKit;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code redis://…?transport=redis} against the kit's process mode: one JVM per rank. */
class RedisTransportProcessConformanceTest extends ProcessConformanceKit {
  @RegisterExtension static final RedisForClass redis = new RedisForClass("transport=redis");

  @Override
  protected String groupUri(int size) {
    return redis.newGroup();
  }
}
