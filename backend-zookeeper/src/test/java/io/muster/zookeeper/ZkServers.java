package io.muster.zookeeper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.curator.test.TestingZooKeeperServer;
import org.apache.curator.utils.ZKPaths;

/** Real ZooKeeper servers in this JVM, on loopback, with ticks short enough for 4 s sessions. */
final class ZkServers {
  /** Server tick: sessions may be 0.5 s to 10 s. */
  static final int TICK_MS = 500;

  private ZkServers() {}

  static InstanceSpec spec() {
    return new InstanceSpec(
        null,
        freePort(),
        freePort(),
        freePort(),
        true,
        -1,
        TICK_MS,
        0, // no limit on connections per address: every rank of a test comes from 127.0.0.1
        Map.of("clientPortAddress", "127.0.0.1"),
        "127.0.0.1");
  }

  /**
   * A free port below Linux's ephemeral range (32768 and up). Curator's own choice is an ephemeral
   * port, which a rank's listener or an outgoing connection may take before the server binds it,
   * and an embedded ZooKeeper that cannot bind ends the whole JVM.
   */
  static int freePort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20000 + ThreadLocalRandom.current().nextInt(12000);
      if (taken.add(port)) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
          return port;
        } catch (IOException e) {
          // in use: try another
        }
      }
    }
    throw new IllegalStateException("no free port found in 20000..31999");
  }

  private static final Set<Integer> taken = ConcurrentHashMap.newKeySet();

  /** One server, started. */
  static TestingServer server() throws Exception {
    return new TestingServer(spec(), true);
  }

  /** A three-server ensemble, started. */
  static TestingCluster ensemble() throws Exception {
    TestingCluster c = new TestingCluster(spec(), spec(), spec());
    c.start();
    return c;
  }

  /**
   * The server of {@code cluster} that leads, asked through ZooKeeper's {@code srvr} command;
   * stopping it disconnects every client while the others elect a new leader.
   */
  static TestingZooKeeperServer leader(TestingCluster cluster) throws Exception {
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < until) {
      for (TestingZooKeeperServer s : cluster.getServers()) {
        try (java.net.Socket socket =
            new java.net.Socket("127.0.0.1", s.getInstanceSpec().getPort())) {
          socket
              .getOutputStream()
              .write("srvr".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          String reply =
              new String(
                  socket.getInputStream().readAllBytes(),
                  java.nio.charset.StandardCharsets.US_ASCII);
          if (reply.contains("Mode: leader")) {
            return s;
          }
        } catch (java.io.IOException e) {
          // stopped or starting: ask the next
        }
      }
      Thread.sleep(50); // an election may be under way: poll with a deadline
    }
    throw new AssertionError("no leader in " + cluster.getConnectString());
  }

  /** A plain client for inspecting the tree. */
  static CuratorFramework client(String connectString) throws InterruptedException {
    return client(connectString, null);
  }

  /** A client with digest credentials ({@code user:password}), or none. */
  static CuratorFramework client(String connectString, String digest) throws InterruptedException {
    CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder();
    if (digest != null) {
      b.authorization("digest", digest.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    CuratorFramework c =
        b.connectString(connectString)
            .sessionTimeoutMs(4000)
            .connectionTimeoutMs(4000)
            .retryPolicy(new RetryNTimes(10, 100))
            .build();
    c.start();
    if (!c.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS)) {
      c.close();
      throw new IllegalStateException("no ZooKeeper at " + connectString);
    }
    return c;
  }

  /** Every znode's path, depth first, except ZooKeeper's own {@code /zookeeper}. */
  static List<String> tree(CuratorFramework c) throws Exception {
    List<String> out = new ArrayList<>();
    walk(c, "/", out);
    return out;
  }

  private static void walk(CuratorFramework c, String path, List<String> out) throws Exception {
    for (String child : c.getChildren().forPath(path)) {
      String p = ZKPaths.makePath(path, child);
      if (p.equals("/zookeeper")) {
        continue;
      }
      out.add(p);
      walk(c, p, out);
    }
  }
}
