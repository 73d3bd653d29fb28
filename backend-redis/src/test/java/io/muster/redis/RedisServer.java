package io.muster.redis;

import io.muster.conformance.Prerequisites;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * A real {@code redis-server} for tests: started as a child process on a free loopback port, with
 * nothing saved to disk, and stopped by its pid. In CI a missing redis-server fails the test.
 */
final class RedisServer implements AutoCloseable {
  private final Path program;
  private final int port;
  private final List<String> extra;
  private final Path dir;
  private Process process;
  private JedisClientConfig clientConfig = DefaultJedisClientConfig.builder().build();

  private RedisServer(Path program, int port, List<String> extra) throws IOException {
    this.program = program;
    this.port = port;
    this.extra = extra;
    this.dir = Files.createTempDirectory("muster-redis-");
  }

  /** Starts a server; {@code extra} are more redis-server arguments ({@code --requirepass x}). */
  static RedisServer start(String... extra) throws IOException {
    return start(freePort(), extra);
  }

  /** Starts a server that listens on {@code port}, which {@code extra} may make a TLS port. */
  static RedisServer start(int port, String... extra) throws IOException {
    Path program = Prerequisites.require("redis-server", "redis-server");
    RedisServer s = new RedisServer(program, port, List.of(extra));
    s.launch();
    return s;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void launch() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(program.toString());
    cmd.addAll(
        List.of(
            "--port", String.valueOf(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", dir.toString(),
            "--loglevel", "warning"));
    cmd.addAll(extra);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    awaitReady();
  }

  /** Waits (up to 10 s) until the server accepts connections. */
  private void awaitReady() throws IOException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with " + process.exitValue() + ": " + log());
      }
      try (java.net.Socket probe = new java.net.Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        try {
          process.waitFor(20, TimeUnit.MILLISECONDS); // also notices an early exit
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }
    throw new IOException("redis-server did not listen on port " + port + " within 10s: " + log());
  }

  String log() {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT?QUERY}. */
  String uri(String query) {
    return "redis://127.0.0.1:" + port + (query.isEmpty() ? "" : "?" + query);
  }

  /** How {@link #client()} connects (TLS settings, for a TLS server). */
  void clientConfig(JedisClientConfig config) {
    this.clientConfig = config;
  }

  /** A client for looking at the server's keys. */
  RedisClient client() {
    return RedisClient.builder()
        .hostAndPort(new HostAndPort("127.0.0.1", port))
        .clientConfig(clientConfig)
        .build();
  }

  /** Every key matching {@code pattern}. */
  Set<String> keys(String pattern) {
    Set<String> out = new TreeSet<>();
    try (RedisClient c = client()) {
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<String> r = c.scan(cursor, new ScanParams().match(pattern).count(1000));
        out.addAll(r.getResult());
        cursor = r.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }
    return out;
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Starts the server again on the same port, empty. */
  void restart() throws IOException {
    launch();
  }

  @Override
  public void close() {
    try {
      if (process != null && process.isAlive()) {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    File[] files = dir.toFile().listFiles();
    if (files != null) {
      for (File f : files) {
        f.delete();
      }
    }
    dir.toFile().delete();
  }
}
