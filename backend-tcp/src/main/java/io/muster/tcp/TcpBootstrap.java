package io.muster.tcp;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import io.muster.spi.CommonOptions;
import io.muster.spi.Deadline;
import io.muster.spi.InlineProgress;
import io.muster.spi.MessagingBootstrap;
import io.muster.spi.Options;
import io.muster.tcp.internal.CoordinatorClient;
import io.muster.tcp.internal.CoordinatorServer;
import io.muster.tcp.internal.Handshake;
import io.muster.tcp.internal.IoLoop;
import io.muster.tcp.internal.Transport;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rank of a {@code tcp://} group. Open it through {@link Bootstrap#open}; {@link
 * #createUniqueId()} supports the NCCL pattern, where one process makes an id that some other
 * channel carries to every rank.
 */
public final class TcpBootstrap extends MessagingBootstrap {
  private static final Logger log = LoggerFactory.getLogger(TcpBootstrap.class);

  /** The largest message, above the contract's 256 MiB. */
  static final int MAX_MESSAGE = 1 << 30;

  /** Upper bound on how long close waits for queued messages to leave. */
  private static final long FLUSH_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final IoLoop loop;
  private final Transport transport;
  private final Membership membership;
  private volatile boolean crashing;

  private TcpBootstrap(
      int rank,
      int size,
      Duration timeout,
      String where,
      IoLoop loop,
      Transport transport,
      Membership membership) {
    super(rank, size, timeout, where);
    this.loop = loop;
    this.transport = transport;
    this.membership = membership;
  }

  static Bootstrap open(BootstrapUri uri, int rank, int size, Options options) {
    if (!uri.isHierarchical() || uri.hosts().size() != 1 || uri.hosts().get(0).port() <= 0) {
      throw new BootstrapException(
          Code.CONFIG, "write tcp://HOST:PORT (one host, with the coordinator's port), not " + uri);
    }
    boolean external = options.get(TcpBootstrapProvider.COORDINATOR).equals("external");
    if (rank == BootstrapProvider.ANY_RANK && !external) {
      throw new BootstrapException(
          Code.CONFIG,
          "no rank for "
              + uri
              + ": give rank=R (or MUSTER_RANK), or run `muster coordinator` and add"
              + " coordinator=external to have ranks assigned");
    }
    Duration heartbeat = options.get(TcpBootstrapProvider.HEARTBEAT);
    String job = options.get(CommonOptions.JOB);
    String token = options.get(CommonOptions.TOKEN);
    String host = uri.hosts().get(0).host();
    InetSocketAddress coordinatorAddress;
    try {
      coordinatorAddress =
          new InetSocketAddress(InetAddress.getByName(host), uri.hosts().get(0).port());
    } catch (UnknownHostException e) {
      throw new BootstrapException(
          Code.CONFIG, "cannot resolve the coordinator host '" + host + "' of " + uri, e);
    }
    String where = "tcp://" + uri.hosts().get(0) + " job '" + job + "'";
    InetAddress bind = bindAddress(options.get(TcpBootstrapProvider.BIND), coordinatorAddress, uri);
    Rendezvous viaCoordinator =
        (r, s, listening, deadline) -> {
          CoordinatorServer coordinator = null;
          if (r == 0 && !external) {
            coordinator = startCoordinator(coordinatorAddress, token, job, s, heartbeat, deadline);
          }
          CoordinatorClient client =
              new CoordinatorClient(
                  IoLoop.acquire(),
                  coordinatorAddress,
                  job,
                  Handshake.key(token),
                  !external,
                  heartbeat,
                  coordinator);
          return client.join(r, s, listening, deadline);
        };
    return open(viaCoordinator, rank, size, bind, options, where, coordinatorAddress);
  }

  /**
   * Opens a rank whose group is found through {@code rendezvous} (a backend's own service) and
   * whose messages travel over TCP. The options give {@code timeout}, {@code job}, {@code token}
   * and {@code bind} (see {@link #transportOptions()}).
   *
   * @param where how messages name the group, such as {@code redis://host:6379 job 'train'}
   * @param service an address of the service the ranks meet through: without {@code bind=}, the
   *     rank listens on the local address that routes to it
   */
  public static Bootstrap open(
      Rendezvous rendezvous,
      int rank,
      int size,
      Options options,
      String where,
      InetSocketAddress service) {
    InetAddress address = bindAddress(options.get(TcpBootstrapProvider.BIND), service, where);
    return open(rendezvous, rank, size, address, options, where, service);
  }

  /** The query keys the TCP transport understands, for backends that carry messages over it. */
  public static List<io.muster.spi.Option<?>> transportOptions() {
    return List.of(TcpBootstrapProvider.BIND);
  }

  private static Bootstrap open(
      Rendezvous rendezvous,
      int rank,
      int size,
      InetAddress bind,
      Options options,
      String where,
      InetSocketAddress service) {
    if (size == BootstrapProvider.ANY_SIZE) {
      throw new BootstrapException(
          Code.CONFIG,
          "no size for "
              + where
              + ": add size=N to the URI, pass it to open(uri, rank, size), or set MUSTER_SIZE");
    }
    Duration timeout = options.get(CommonOptions.TIMEOUT);
    String job = options.get(CommonOptions.JOB);
    Deadline deadline =
        Deadline.after(
            timeout, "open of " + where + (rank >= 0 ? " as rank " + rank : " (rank to assign)"));
    IoLoop loop = IoLoop.acquire();
    Transport transport =
        new Transport(
            loop,
            job,
            Handshake.key(options.get(CommonOptions.TOKEN)),
            MAX_MESSAGE,
            timeout.toNanos());
    Membership membership = null;
    try {
      InetSocketAddress listening =
          transport.listen(new InetSocketAddress(bind, 0), deadline.endNanos(), service);
      membership = rendezvous.join(rank, size, listening, deadline);
      TcpBootstrap b =
          new TcpBootstrap(
              membership.rank(), membership.size(), timeout, where, loop, transport, membership);
      transport.ready(membership, b.mailbox());
      b.mailbox()
          .spinWhileWaiting(
              membership.ranksOnThisHost() <= Runtime.getRuntime().availableProcessors());
      membership.listen(transport);
      return b;
    } catch (IOException | RuntimeException e) {
      transport.shutdown();
      if (membership != null) {
        membership.abort();
      }
      loop.release();
      if (e instanceof BootstrapException) {
        throw (BootstrapException) e;
      }
      if (e instanceof IOException) {
        throw new BootstrapException(
            Code.UNAVAILABLE, "opening " + where + " failed: " + e.getMessage(), e);
      }
      throw (RuntimeException) e;
    }
  }

  private static CoordinatorServer startCoordinator(
      InetSocketAddress at,
      String token,
      String job,
      int size,
      Duration heartbeat,
      Deadline deadline) {
    IoLoop own = IoLoop.acquire(); // the coordinator's own hold, released when it stops
    try {
      // Bound here, not on the loop: a port in use is retried with sleeps, which the loop that
      // every rank of this JVM shares must never do.
      return CoordinatorServer.start(
          own, at, token, job, size, heartbeat, deadline.endNanos(), own::release);
    } catch (BindException e) {
      own.release();
      throw new BootstrapException(
          Code.CONFIG,
          "rank 0 cannot start the coordinator at "
              + at
              + ": "
              + e.getMessage()
              + ". Is another job using that port, or is the address not this machine's? Run rank"
              + " 0 on the host named in the URI, pick a free port, or use coordinator=external.",
          e);
    } catch (IOException | RuntimeException e) {
      own.release();
      throw new BootstrapException(
          Code.UNAVAILABLE, "rank 0 cannot start the coordinator at " + at + ": " + e, e);
    }
  }

  /** The address to listen on: {@code bind=} (an interface or an address), else the route out. */
  static InetAddress bindAddress(String bind, InetSocketAddress coordinator, Object uri) {
    boolean v6 = coordinator.getAddress() instanceof Inet6Address;
    if (bind != null && !bind.isEmpty()) {
      try {
        NetworkInterface ni = NetworkInterface.getByName(bind);
        if (ni != null) {
          InetAddress fallback = null;
          for (InetAddress a : Collections.list(ni.getInetAddresses())) {
            if ((a instanceof Inet6Address) == v6) {
              return a;
            }
            fallback = a;
          }
          if (fallback != null) {
            return fallback;
          }
          throw new BootstrapException(
              Code.CONFIG, "the interface '" + bind + "' in " + uri + " has no address");
        }
        return InetAddress.getByName(bind);
      } catch (SocketException | UnknownHostException e) {
        List<String> names = new ArrayList<>();
        try {
          for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            names.add(n.getName());
          }
        } catch (SocketException ignored) {
          // the list is only for the message
        }
        throw new BootstrapException(
            Code.CONFIG,
            "bind='"
                + bind
                + "' in "
                + uri
                + " is neither an interface ("
                + String.join(", ", names)
                + ") nor an address",
            e);
      }
    }
    if (coordinator.getAddress().isLoopbackAddress()) {
      return coordinator.getAddress(); // a local job: no need to ask the routing table
    }
    try (DatagramSocket probe = new DatagramSocket()) {
      probe.connect(coordinator); // no packet is sent: this only asks the routing table
      InetAddress a = probe.getLocalAddress();
      if (a != null && !a.isAnyLocalAddress()) {
        return a;
      }
    } catch (IOException e) {
      log.debug("no route to {} found; listening on the wildcard address", coordinator, e);
    }
    return coordinator.getAddress().isLoopbackAddress()
        ? coordinator.getAddress()
        : new InetSocketAddress(0).getAddress();
  }

  /**
   * Starts a coordinator in this process on a free port of a non-loopback address (loopback when
   * there is none) and returns a URI every rank can open, the NCCL/MSCCL++ way: make it on one
   * process, carry it to the others by any means, then have every rank call {@code
   * Bootstrap.open(id, rank, size)}. The coordinator stops once the group has formed and every rank
   * has left, or if no group forms within 5 minutes.
   */
  public static String createUniqueId() {
    return createUniqueId(defaultHost());
  }

  /** {@link #createUniqueId()} with the coordinator on {@code host}. */
  public static String createUniqueId(String host) {
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    String job = "uid-" + HexFormat.of().formatHex(random);
    IoLoop loop = IoLoop.acquire();
    try {
      InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(host), 0);
      CoordinatorServer server =
          CoordinatorServer.start(
              loop, bind, null, job, 0, Duration.ofSeconds(1), 0, loop::release);
      long by = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      loop.execute(() -> server.closeWhenDone(by));
      InetSocketAddress a = server.address();
      String h = a.getAddress().getHostAddress();
      if (a.getAddress() instanceof Inet6Address) {
        h = "[" + h + "]";
      }
      return "tcp://" + h + ":" + a.getPort() + "?job=" + job + "&coordinator=external";
    } catch (IOException | RuntimeException e) {
      loop.release();
      throw new BootstrapException(
          Code.UNAVAILABLE, "cannot start a coordinator on " + host + ": " + e.getMessage(), e);
    }
  }

  private static String defaultHost() {
    try {
      for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!n.isUp() || n.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(n.getInetAddresses())) {
          if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      log.debug("listing interfaces", e);
    }
    return InetAddress.getLoopbackAddress().getHostAddress();
  }

  @Override
  protected void transmit(int peer, int tag, byte[] message) {
    transport.send(peer, tag, message);
  }

  @Override
  protected InlineProgress inlineProgress() {
    return transport;
  }

  /**
   * Sockets this rank holds now: its listener, its link to the coordinator and one per connected
   * peer (a coordinator hosted in this process is not counted).
   */
  public int sockets() {
    return transport.sockets() + membership.sockets();
  }

  /** Where this rank accepts connections from its peers. */
  public InetSocketAddress address() {
    return transport.address();
  }

  /** Drops every socket at once, without telling anyone: a process death, for tests. */
  void crash() {
    crashing = true;
    close();
  }

  @Override
  protected void release() {
    try {
      if (crashing) {
        transport.shutdown();
        membership.abort();
      } else {
        transport.close(Math.min(FLUSH_NANOS, timeout().toNanos()));
        // A busy coordinator may take a while to read LEAVE; closing before it has would look
        // like a death to the others.
        membership.leave(Math.min(FLUSH_NANOS, timeout().toNanos()));
      }
    } finally {
      loop.release();
    }
  }
}
