package io.muster.zookeeper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;

/**
 * A ZooKeeper server in a JVM of its own, for tests that count this JVM's threads and descriptors
 * (the conformance kit's rule 11): a server in the test JVM holds sockets of closed sessions until
 * its selector next wakes, and rolls its log files, which would read as leaks. The child exits when
 * its standard input closes, so it never outlives the test JVM; {@link #close} stops it by pid.
 */
final class ZkServerProcess implements AutoCloseable {
  private final Process process;
  private final String connectString;

  private ZkServerProcess(Process process, String connectString) {
    this.process = process;
    this.connectString = connectString;
  }

  static ZkServerProcess start() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-Dzookeeper.admin.enableServer=false",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                cp,
                ZkServerProcess.class.getName())
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    StringBuilder seen = new StringBuilder();
    while ((line = out.readLine()) != null) {
      if (line.startsWith("#zk-server ")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (out.readLine() != null) {
                      // keep the pipe from filling up
                    }
                  } catch (IOException e) {
                    // the server ended
                  }
                },
                "zk-server-output");
        drain.setDaemon(true);
        drain.start();
        return new ZkServerProcess(p, line.substring("#zk-server ".length()));
      }
      seen.append(line).append('\n');
    }
    p.destroyForcibly();
    throw new IOException("the ZooKeeper server process ended before it was ready:\n" + seen);
  }

  String connectString() {
    return connectString;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The child: a server on loopback until standard input closes. */
  public static void main(String[] args) throws Exception {
    try (TestingServer server = ZkServers.server()) {
      System.out.println("#zk-server " + server.getConnectString());
      System.out.flush();
      while (System.in.read() >= 0) {
        // nothing is sent; only the end matters
      }
    }
    Runtime.getRuntime().halt(0);
  }
}
