package io.muster.redis;

import io.muster.Bootstrap;
import io.muster.conformance.BootstrapConformanceKit;
import io.muster.redis.internal.RedisTransportBootstrap;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code redis://…?transport=redis} (every message through Redis) against the whole kit, ranks as
 * threads. Ranks accept no connections, so rule 10 has no port to send garbage to; the inbox's own
 * garbage test is in {@link RedisBackendTest}.
 */
class RedisTransportConformanceTest extends BootstrapConformanceKit {
  @RegisterExtension static final RedisForClass redis = new RedisForClass("transport=redis");

  @Override
  protected String groupUri(int size) {
    return redis.newGroup();
  }

  @Override
  protected boolean supportsRankAssignment() {
    return true;
  }

  @Override
  protected boolean jobsShareTheService() {
    return true; // a job name is a namespace on the server: another job is another group
  }

  @Override
  protected void crash(Bootstrap rank) {
    ((RedisTransportBootstrap) rank).crash();
  }

  @Override
  protected boolean crashIsAbrupt() {
    return true;
  }
}
