package io.muster.cli.bench;

import io.muster.spi.BootstrapUri;
import io.muster.spi.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The URI of each group a bench opens: every group is new (its own {@code job=}, and for {@code
 * tcp://HOST:0} its own free port), so a late message of one can never reach the next.
 *
 * <p>The base is what the user gave, without {@code rank=} and {@code size=} (the bench passes them
 * to {@code open}); {@code job=} becomes a prefix and {@code timeout=} a default.
 */
final class Groups {
  /** The base for the default backend: tcp on loopback, a free port per group. */
  static final String DEFAULT_TCP = "tcp://127.0.0.1:0";

  private final String base;
  private final String job;
  private final Duration timeout;
  private int next;

  /**
   * @param base the backend's URI; {@code tcp://HOST:0} takes a free port of HOST for every group
   * @param run names this run, so two runs against one service never meet
   * @param timeout the {@code timeout=} of each group unless the base has one
   */
  Groups(String base, String run, Duration timeout) {
    this.base = base;
    String given = BootstrapUri.parse(base).query().get("job");
    this.job = (given == null ? "bench" : given) + "-" + run;
    this.timeout = timeout;
  }

  /** The URI of the next group. */
  synchronized String next() {
    return uri(next++);
  }

  String uri(int group) {
    int q = base.indexOf('?');
    String head = q < 0 ? base : base.substring(0, q);
    List<String> query = new ArrayList<>();
    boolean hasTimeout = false;
    if (q >= 0) {
      for (String kv : base.substring(q + 1).split("&")) {
        String key = kv.split("=", 2)[0].toLowerCase(Locale.ROOT);
        if (kv.isEmpty() || key.equals("job")) {
          continue;
        }
        hasTimeout |= key.equals("timeout");
        query.add(kv);
      }
    }
    BootstrapUri parsed = BootstrapUri.parse(base);
    if (parsed.scheme().equals("tcp")
        && parsed.hosts().size() == 1
        && parsed.hosts().get(0).port(-1) == 0) {
      String host = parsed.hosts().get(0).host();
      int port = freePort(host);
      head = head.replaceFirst(":0(/|$)", ":" + port + "$1");
    }
    query.add("job=" + job + "-" + group);
    if (!hasTimeout) {
      query.add("timeout=" + Durations.format(timeout));
    }
    return head + "?" + String.join("&", query);
  }

  /**
   * A port that was free on {@code host} a moment ago, below the kernel's ephemeral range where one
   * exists: every rank listens on an ephemeral port, so a coordinator port from that range can be
   * taken by a rank's listener (or by a connection to itself) before rank 0 binds it.
   */
  static int freePort(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    int[] range = ephemeralRange();
    if (range[0] > 11_000) {
      for (int attempt = 0; attempt < 50; attempt++) {
        int port = 10_000 + ThreadLocalRandom.current().nextInt(range[0] - 10_000);
        if (bindable(h, port)) {
          return port;
        }
      }
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getByName(h), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not find a free port on " + host, e);
    }
  }

  private static boolean bindable(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The kernel's ephemeral port range (Linux), else the IANA one. */
  static int[] ephemeralRange() {
    try {
      // readAllLines, not readString: sysctl files report size 0, and readString then stops early
      String[] f =
          Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
              .get(0)
              .trim()
              .split("\\s+");
      return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {49152, 65535};
    }
  }
}
