package io.muster.cli.bench;

import io.muster.cli.launch.Mpirun;
import io.muster.conformance.Prerequisites;
import io.muster.spi.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * What {@code --uri SCHEME} (a scheme alone) benchmarks: the backend with whatever it meets through
 * started here the way its tests start it, and stopped afterwards. {@code tcp} and {@code local}
 * need nothing; {@code redis} gets a throwaway {@code redis-server}, {@code zk} a standalone
 * ZooKeeper server in a JVM of its own, both on loopback; {@code mpi} needs mpirun, which starts
 * the ranks. Another backend registers a {@link Starter}.
 */
public final class Services {
  /** Starts a backend's service and says where it is; closed when the bench is done. */
  public interface Service extends AutoCloseable {
    /** The base URI of groups that meet through this service. */
    String uri();

    @Override
    void close();
  }

  /** Makes a {@link Service} for one scheme. */
  @FunctionalInterface
  public interface Starter {
    Service start();
  }

  private static final Map<String, Starter> STARTERS = new TreeMap<>();

  static {
    STARTERS.put("tcp", () -> ready(Groups.DEFAULT_TCP));
    STARTERS.put("local", () -> ready("local:bench"));
    STARTERS.put("redis", Services::redis);
    STARTERS.put("zk", Services::zooKeeper);
    STARTERS.put(
        "mpi",
        () -> {
          Mpirun.require(); // nothing to start: mpirun starts the ranks
          return ready("mpi:");
        });
  }

  private Services() {}

  /** Registers how to start the service behind {@code scheme}, for {@code --uri SCHEME}. */
  public static synchronized void register(String scheme, Starter starter) {
    STARTERS.put(scheme, starter);
  }

  /** The starter for {@code scheme}, if this build knows how to set one up locally. */
  public static synchronized Optional<Starter> forScheme(String scheme) {
    return Optional.ofNullable(STARTERS.get(scheme));
  }

  /** The schemes with a starter. */
  public static synchronized List<String> schemes() {
    return new ArrayList<>(STARTERS.keySet());
  }

  /** A backend that needs nothing started. */
  static Service ready(String uri) {
    return new Service() {
      @Override
      public String uri() {
        return uri;
      }

      @Override
      public void close() {}
    };
  }

  /** A throwaway redis-server on loopback: nothing saved, stopped with the bench. */
  static Service redis() {
    Path server = Prerequisites.which("redis-server");
    if (server == null) {
      throw new IllegalStateException(
          "redis-server is not on the PATH; install it (apt-get install redis-server) or give a"
              + " full --uri of a running Redis");
    }
    return program(
        "redis-server",
        (port, dir) ->
            List.of(
                server.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                dir.toString(),
                "--save",
                "",
                "--appendonly",
                "no"),
        port -> "redis://127.0.0.1:" + port + "?job=bench",
        Duration.ofSeconds(20));
  }

  /**
   * A standalone ZooKeeper server in a JVM of its own (this one's class path carries it, with the
   * backend), on loopback.
   */
  static Service zooKeeper() {
    return program(
        "a ZooKeeper server",
        (port, dir) -> {
          Path config = dir.resolve("zoo.cfg");
          try {
            Files.writeString(
                config,
                String.join(
                    "\n",
                    "tickTime=500",
                    "dataDir=" + dir.resolve("data"),
                    "clientPort=" + port,
                    "clientPortAddress=127.0.0.1",
                    "maxClientCnxns=0",
                    "admin.enableServer=false",
                    ""));
          } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
          }
          return List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              "org.apache.zookeeper.server.ZooKeeperServerMain",
              config.toString());
        },
        port -> "zk://127.0.0.1:" + port + "?job=bench",
        Duration.ofSeconds(30));
  }

  /** A service's command line, given its port and a directory of its own. */
  @FunctionalInterface
  interface CommandLine {
    List<String> of(int port, Path dir);
  }

  /**
   * Starts {@code what} listening on a free loopback port, with a temporary directory for its files
   * and its output, and waits until the port accepts connections. Closing stops the process by its
   * pid and removes the directory.
   */
  static Service program(
      String what, CommandLine command, IntFunction<String> uri, Duration startup) {
    Path dir;
    try {
      dir = Files.createTempDirectory("muster-bench-service");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a directory for " + what, e);
    }
    int port = Groups.freePort("127.0.0.1");
    Path log = dir.resolve("output.log");
    Process p;
    try {
      p =
          new ProcessBuilder(command.of(port, dir))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      throw new IllegalStateException("cannot start " + what + ": " + e.getMessage(), e);
    }
    Service service =
        new Service() {
          @Override
          public String uri() {
            return uri.apply(port);
          }

          @Override
          public void close() {
            p.destroy();
            try {
              if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              p.destroyForcibly();
            } finally {
              deleteTree(dir);
            }
          }
        };
    long end = System.nanoTime() + startup.toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return service;
      } catch (IOException notYet) {
        if (!p.isAlive() || System.nanoTime() - end >= 0) {
          String why =
              (p.isAlive()
                      ? "did not listen on 127.0.0.1:"
                          + port
                          + " within "
                          + Durations.format(startup)
                      : "exited with " + p.exitValue() + " before it listened on 127.0.0.1:" + port)
                  + "; its last output:\n"
                  + lastLines(log, 8);
          service.close();
          throw new IllegalStateException(what + " " + why);
        }
        try {
          Thread.sleep(20); // a port that is not open yet has no condition to wait on
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          service.close();
          throw new IllegalStateException("interrupted starting " + what);
        }
      }
    }
  }

  private static String lastLines(Path file, int n) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(none readable: " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: it is a temporary directory
    }
  }
}
