package io.muster.tcp;

import io.muster.Bootstrap;
import io.muster.conformance.BootstrapConformanceKit;
import io.muster.conformance.ProcessConformanceKit;
import io.muster.spi.BootstrapUri;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;

/** {@code tcp://} against the whole conformance kit: ranks as threads, then one JVM per rank. */
class TcpConformanceTest extends BootstrapConformanceKit {
  @Override
  protected String groupUri(int size) {
    return "tcp://127.0.0.1:" + TcpGroups.freePort();
  }

  @Override
  protected void crash(Bootstrap rank) {
    ((TcpBootstrap) rank).crash();
  }

  @Override
  protected boolean crashIsAbrupt() {
    return true;
  }

  @Override
  protected List<InetSocketAddress> garbageTargets(String uri, List<Bootstrap> group) {
    BootstrapUri.HostPort coordinator = BootstrapUri.parse(uri).hosts().get(0);
    List<InetSocketAddress> targets = new ArrayList<>();
    targets.add(new InetSocketAddress(coordinator.host(), coordinator.port()));
    for (Bootstrap b : group) {
      targets.add(((TcpBootstrap) b).address());
    }
    return targets;
  }

  @Nested
  @Order(100)
  @DisplayName("Process mode: one JVM per rank")
  class ProcessMode extends ProcessConformanceKit {
    @Override
    protected String groupUri(int size) {
      return TcpConformanceTest.this.groupUri(size);
    }
  }
}
