package io.muster.cli;

import io.muster.BootstrapException;
import io.muster.cli.launch.Mpirun;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Checks the {@code --uri} of a launch against {@code -n}, or makes one on loopback. */
final class GroupUris {
  private GroupUris() {}

  /**
   * The URI every child joins: the given one once checked, or {@code tcp://127.0.0.1:<free
   * port>?size=N} with {@code extraQuery} appended.
   *
   * @throws ParameterException when {@code n} is below 1, or the URI is malformed or cannot
   *     describe a group of {@code n} processes
   */
  static String forLaunch(CommandLine cmd, String uri, int n, String extraQuery) {
    if (n < 1) {
      throw new ParameterException(cmd, "-n must be at least 1, got " + n);
    }
    if (uri == null) {
      return "tcp://127.0.0.1:" + freeLoopbackPort() + "?size=" + n + extraQuery;
    }
    BootstrapUri parsed;
    try {
      parsed = BootstrapUri.parse(uri);
    } catch (BootstrapException e) {
      throw new ParameterException(cmd, "--uri: " + e.getMessage());
    }
    switch (parsed.scheme()) {
      case "env":
        throw new ParameterException(
            cmd, "--uri env: would point the ranks back at themselves; give the group's own URI");
      case "local":
        throw new ParameterException(
            cmd,
            "--uri "
                + parsed
                + ": local: groups live inside one JVM, so separate processes cannot share one;"
                + " leave out --uri to use tcp on loopback");
      case "mpi":
        try {
          Mpirun.require(); // one mpirun starts the ranks
        } catch (IllegalStateException e) {
          throw new ParameterException(cmd, "--uri " + parsed + ": " + e.getMessage());
        }
        break;
      default:
        break;
    }
    if (parsed.query().containsKey("rank")) {
      throw new ParameterException(
          cmd, "--uri " + parsed + ": remove rank=; each child gets its rank in MUSTER_RANK");
    }
    String size = parsed.query().get("size");
    if (size != null && !size.equals(Integer.toString(n))) {
      throw new ParameterException(
          cmd,
          "--uri "
              + parsed
              + " says size="
              + size
              + " but -n is "
              + n
              + "; drop size= from the URI or make them agree");
    }
    return uri.trim();
  }

  /**
   * Fails unless a backend on this class path serves the URI's scheme (for commands whose ranks run
   * on this class path).
   */
  static void requireBackend(CommandLine cmd, String uri) {
    String scheme = BootstrapUri.parse(uri).scheme();
    TreeSet<String> schemes = new TreeSet<>();
    Iterator<BootstrapProvider> it = ServiceLoader.load(BootstrapProvider.class).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        schemes.addAll(it.next().schemes());
      } catch (ServiceConfigurationError | LinkageError e) {
        // a broken backend jar: Bootstrap.open reports it; here it just serves nothing
      }
    }
    if (!schemes.contains(scheme)) {
      throw new ParameterException(
          cmd,
          "--uri: no backend on the class path serves '"
              + scheme
              + ":'; this build has "
              + String.join(", ", schemes));
    }
  }

  /** A port that was free on loopback a moment ago (bound to port 0, then closed). */
  static int freeLoopbackPort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not find a free port on loopback", e);
    }
  }
}
