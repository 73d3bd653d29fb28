package io.muster.redis;

import io.muster.Bootstrap;
import io.muster.conformance.BootstrapConformanceKit;
import io.muster.tcp.TcpBootstrap;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code redis://…} (messages over TCP) against the whole kit, ranks as threads. */
class RedisConformanceTest extends BootstrapConformanceKit {
  @RegisterExtension static final RedisForClass redis = new RedisForClass("");

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
  protected List<InetSocketAddress> garbageTargets(String uri, List<Bootstrap> group) {
    List<InetSocketAddress> ports = new ArrayList<>();
    for (Bootstrap b : group) {
      ports.add(((TcpBootstrap) b).address());
    }
    return ports;
  }
}
