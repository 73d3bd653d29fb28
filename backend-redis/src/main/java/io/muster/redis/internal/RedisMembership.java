package io.muster.redis.internal;

import io.muster.BootstrapException;
import io.muster.spi.Deadline;
import io.muster.tcp.Membership;
import io.muster.tcp.Rendezvous;
import io.muster.tcp.internal.Neighbourhood;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rank of a {@code redis://} group whose messages travel over TCP: it found its peers through
 * Redis, knows its neighbourhood's addresses up front, looks up any other rank's address in Redis
 * on first use, and hears of ranks lost or left through its heartbeat.
 */
public final class RedisMembership implements Membership {
  private static final Logger log = LoggerFactory.getLogger(RedisMembership.class);

  private final Seat seat;
  private final Map<Integer, InetSocketAddress> addresses;
  private final int ranksOnThisHost;
  private volatile boolean warnedUnreachable;

  private RedisMembership(
      Seat seat, Map<Integer, InetSocketAddress> addresses, int ranksOnThisHost) {
    this.seat = seat;
    this.addresses = addresses;
    this.ranksOnThisHost = ranksOnThisHost;
  }

  /**
   * How ranks meet through Redis before TCP carries their messages, for {@code
   * TcpBootstrap.open(Rendezvous, …)}. Each join opens its own Redis connections, closed when the
   * rank leaves.
   */
  public static Rendezvous rendezvous(RedisEndpoint endpoint, JobSettings job) {
    return (rank, size, listening, deadline) -> {
      RedisService service = new RedisService(endpoint, job.clientName(), 2);
      try {
        String address = format(listening);
        Seat seat = Seat.join(service, job, rank, size, address, false, deadline);
        try {
          return new RedisMembership(
              seat,
              seat.addressesOf(Neighbourhood.of(seat.rank(), size), deadline),
              seat.ranksOn(address.substring(0, address.lastIndexOf(':')), deadline));
        } catch (RuntimeException e) {
          seat.leave(Duration.ofSeconds(1).toNanos());
          throw e;
        }
      } catch (RuntimeException e) {
        service.close();
        throw e;
      }
    };
  }

  static String format(InetSocketAddress a) {
    String h = a.getAddress().getHostAddress();
    if (a.getAddress() instanceof Inet6Address) {
      h = "[" + h + "]";
    }
    return h + ":" + a.getPort();
  }

  /** Parses {@code HOST:PORT} as {@link #format} wrote it; {@code null} when it is not one. */
  static InetSocketAddress parse(String s) {
    if (s == null) {
      return null;
    }
    int colon = s.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new InetSocketAddress(
          InetAddress.getByName(host), Integer.parseInt(s.substring(colon + 1)));
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public int rank() {
    return seat.rank();
  }

  @Override
  public int size() {
    return seat.size();
  }

  @Override
  public Map<Integer, InetSocketAddress> addresses() {
    return addresses;
  }

  @Override
  public int ranksOnThisHost() {
    return ranksOnThisHost;
  }

  @Override
  public void lookup(int rank, Consumer<InetSocketAddress> then) {
    boolean queued =
        seat.heartbeat()
            .execute(
                () -> {
                  InetSocketAddress a = null;
                  try {
                    a =
                        seat.addressesOf(
                                List.of(rank), Deadline.after(Duration.ofSeconds(5), "lookup"))
                            .get(rank);
                  } catch (BootstrapException e) {
                    log.warn(
                        "rank {} cannot look up rank {}: {}", seat.rank(), rank, e.getMessage());
                  }
                  then.accept(a);
                });
    if (!queued) {
      then.accept(null);
    }
  }

  @Override
  public void listen(Listener listener) {
    seat.heartbeat()
        .listen(
            new Heartbeat.Listener() {
              @Override
              public void lost(int rank, String why) {
                listener.lost(rank, why);
              }

              @Override
              public void left(int rank) {
                listener.left(rank);
              }

              @Override
              public void failed(BootstrapException why) {
                // messages travel over TCP and go on; only deaths the sockets do not show go unseen
                log.warn(
                    "rank {}: {}; deaths of ranks this rank has no connection to are now noticed"
                        + " only by timeouts",
                    seat.rank(),
                    why.getMessage());
              }

              @Override
              public void unreachable(BootstrapException why) {
                if (!warnedUnreachable) {
                  warnedUnreachable = true;
                  log.warn(
                      "rank {}: {}; messages still travel over TCP, and the heartbeat keeps trying",
                      seat.rank(),
                      why.getMessage());
                }
              }
            });
  }

  @Override
  public void leave(long nanos) {
    try {
      seat.leave(nanos);
    } finally {
      seat.service().close();
    }
  }

  @Override
  public void abort() {
    try {
      seat.abort();
    } finally {
      seat.service().close();
    }
  }
}
