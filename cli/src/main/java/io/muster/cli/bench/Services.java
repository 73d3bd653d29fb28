package io.muster.cli.bench;

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
 * need nothing; a backend that needs a server registers a {@link Starter}.
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

  /**
   * Starts {@code program} (found on the PATH) listening on a free loopback port, waits until the
   * port accepts connections, and stops the process by its pid on close.
   *
   * @param args the program's arguments for a given port
   * @param uri the base URI for a given port
   */
  public static Service program(
      String program, IntFunction<List<String>> args, IntFunction<String> uri, Duration startup) {
    Path path = which(program);
    if (path == null) {
      throw new IllegalStateException(
          program + " is not on the PATH; install it or give a full --uri of a running service");
    }
    int port = Groups.freePort("127.0.0.1");
    List<String> cmd = new ArrayList<>();
    cmd.add(path.toString());
    cmd.addAll(args.apply(port));
    Process p;
    try {
      p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + program, e);
    }
    long end = System.nanoTime() + startup.toNanos();
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        break;
      } catch (IOException notYet) {
        if (!p.isAlive() || System.nanoTime() - end >= 0) {
          p.destroyForcibly();
          throw new IllegalStateException(
              program
                  + " did not listen on 127.0.0.1:"
                  + port
                  + " within "
                  + startup
                  + (p.isAlive() ? "" : " (it exited with " + p.exitValue() + ")"));
        }
        try {
          Thread.sleep(20); // a port that is not open yet has no condition to wait on
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          p.destroyForcibly();
          throw new IllegalStateException("interrupted starting " + program);
        }
      }
    }
    String base = uri.apply(port);
    return new Service() {
      @Override
      public String uri() {
        return base;
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
        }
      }
    };
  }

  private static Path which(String program) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
    }
    dirs.addAll(List.of("/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"));
    for (String d : dirs) {
      Path p = Path.of(d, program);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
