package io.muster.zookeeper;

import io.muster.Bootstrap;
import io.muster.conformance.BootstrapConformanceKit;
import io.muster.conformance.ProcessConformanceKit;
import io.muster.tcp.TcpBootstrap;
import io.muster.tcp.TcpCrash;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;

/**
 * {@code zk://} against the whole conformance kit: ranks as threads, then one JVM per rank, all
 * meeting through a real ZooKeeper server. The server runs in a JVM of its own, since the kit
 * counts this JVM's threads and descriptors and a server's would read as leaks.
 */
class ZkConformanceTest extends BootstrapConformanceKit {
  private static final AtomicInteger groups = new AtomicInteger();
  private static ZkServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    server = ZkServerProcess.start();
    // a first group loads and starts what a JVM creates once (classes, the JDK's NIO pre-close
    // socket pair, ZooKeeper's statics), so no rule-11 baseline counts it
    try (Bootstrap b = Bootstrap.open(groupUri(1, "warm-up"), 0, 1)) {
      b.barrier();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static String groupUri(int size, String job) {
    return "zk://" + server.connectString() + "?job=" + job + "&session=4s";
  }

  @Override
  protected String groupUri(int size) {
    return groupUri(size, "kit-" + groups.incrementAndGet());
  }

  @Override
  protected boolean supportsRankAssignment() {
    return true;
  }

  /**
   * One ensemble serves every job, and the job names the meeting point (its job node): a rank of
   * another job waits in its own job node like a rank whose peers have not started yet.
   */
  @Override
  protected boolean jobsShareTheService() {
    return true;
  }

  /** Drops the rank's connections and ends its ZooKeeper session without a word. */
  @Override
  protected void crash(Bootstrap rank) {
    TcpCrash.crash(rank);
  }

  @Override
  protected boolean crashIsAbrupt() {
    return true;
  }

  /** Each rank's TCP listener (ZooKeeper's own port is not this backend's to harden). */
  @Override
  protected List<InetSocketAddress> garbageTargets(String uri, List<Bootstrap> group) {
    List<InetSocketAddress> targets = new ArrayList<>();
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
      return ZkConformanceTest.this.groupUri(size);
    }

    /**
     * The session timeout plus 2 s: a killed rank that no survivor has a connection to is
     * ZooKeeper's to notice.
     */
    @Override
    protected Duration peerLossBound() {
      return Duration.ofSeconds(6);
    }
  }
}
