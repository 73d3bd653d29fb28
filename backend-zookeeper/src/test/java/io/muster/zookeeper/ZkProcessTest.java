package io.muster.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Ranks as separate JVMs against a ZooKeeper server in this JVM. */
class ZkProcessTest {
  private static final AtomicInteger jobs = new AtomicInteger();
  private static TestingServer server;
  private static CuratorFramework inspect;
  private final List<Rank> started = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    server = ZkServers.server();
    inspect = ZkServers.client(server.getConnectString());
  }

  @AfterAll
  static void stop() throws Exception {
    inspect.close();
    server.close();
  }

  @AfterEach
  void stopRanks() throws Exception {
    for (Rank r : started) {
      r.process.destroyForcibly();
      r.process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** A child JVM running {@link ZkRankMain}, with its {@code #zk} lines. */
  private static final class Rank {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Rank(Process process) {
      this.process = process;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    if (line.startsWith("#zk ")) {
                      lines.add(line.substring(4));
                    }
                  }
                } catch (IOException e) {
                  // the process ended
                }
                lines.add("EOF");
              },
              "rank-output");
      reader.setDaemon(true);
      reader.start();
    }

    /** The next line starting with {@code prefix}, within {@code seconds}. */
    String await(String prefix, int seconds) throws InterruptedException {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        String line = lines.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null || line.equals("EOF")) {
          throw new AssertionError("no '" + prefix + "' line within " + seconds + " s: " + line);
        }
        if (line.startsWith(prefix)) {
          return line;
        }
      }
    }
  }

  private Rank launch(String uri, int rank, int size, String role) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Xss512k",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                cp,
                ZkRankMain.class.getName(),
                uri,
                String.valueOf(rank),
                String.valueOf(size),
                role)
            .redirectErrorStream(true);
    Rank r = new Rank(pb.start());
    started.add(r);
    return r;
  }

  private static String uri(String extra) {
    return "zk://" + server.getConnectString() + "?job=proc-" + jobs.incrementAndGet() + extra;
  }

  @Test
  @DisplayName("three JVMs gather through ZooKeeper, and no znode is left")
  void threeProcessesGather() throws Exception {
    String u = uri("&session=4s&timeout=60s");
    List<Rank> ranks = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      ranks.add(launch(u, r, 3, "gather"));
    }
    for (Rank r : ranks) {
      assertEquals("gathered from-0 from-1 from-2", r.await("gathered", 60));
      r.await("closed", 30);
      assertTrue(r.process.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, r.process.exitValue());
    }
    assertEquals(List.of(), ZkServers.tree(inspect));
  }

  @Test
  @DisplayName("kill -9: the survivors get PEER_LOST naming the rank within session + 2 s")
  void killedRank() throws Exception {
    int session = 4;
    String u = uri("&session=" + session + "s&timeout=60s");
    List<Rank> ranks = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      ranks.add(launch(u, r, 3, r == 2 ? "victim" : "survivor:2"));
    }
    for (Rank r : ranks) {
      r.await("open", 60);
    }
    // no message ever went to rank 2, so no TCP connection can tell: only ZooKeeper can
    long killedAt = System.nanoTime();
    ranks.get(2).process.destroyForcibly(); // SIGKILL
    for (int r = 0; r < 2; r++) {
      String outcome = ranks.get(r).await("outcome", 30);
      long took = System.nanoTime() - killedAt;
      assertTrue(outcome.startsWith("outcome PEER_LOST [2] "), outcome);
      assertTrue(outcome.contains("rank 2"), outcome);
      assertTrue(
          took < TimeUnit.SECONDS.toNanos(session + 2),
          "rank " + r + " heard after " + took / 1e9 + " s: " + outcome);
    }
    for (int r = 0; r < 2; r++) {
      ranks.get(r).await("closed", 30);
      assertTrue(ranks.get(r).process.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(List.of(), ZkServers.tree(inspect));
  }
}
