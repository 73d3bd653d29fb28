package io.muster.tcp.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import io.muster.spi.Durations;
import io.muster.tcp.Membership;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rank's link to the coordinator: it joins the group (retrying the connection with jittered
 * backoff until the deadline), receives its roster, then stays open for address lookups and for
 * news of ranks that die or leave, exchanging heartbeats so a silent coordinator is noticed too.
 */
public final class CoordinatorClient implements Link.Listener, IoLoop.Timer, Membership {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorClient.class);

  private final IoLoop loop;
  private final InetSocketAddress coordinator;
  private final String job;
  private final byte[] key;
  private final boolean hostedByRank0;
  private final long heartbeatNanos;
  private final CompletableFuture<int[]> roster = new CompletableFuture<>();
  private final Map<Integer, InetSocketAddress> known = new HashMap<>();
  private volatile int rank = -1;
  private volatile int size;
  private volatile int sameHost = 1;
  private final Map<Integer, List<Consumer<InetSocketAddress>>> lookups = new HashMap<>();
  private volatile Link link;
  private volatile Membership.Listener events;
  private volatile boolean leaving;
  private volatile boolean connectedOnce;
  private volatile String lastConnectError = "no attempt yet";
  private boolean shutdownSaid;
  private long lastTick = System.nanoTime();
  private long resumedAt = lastTick;
  private final CoordinatorServer hosted;
  private final java.util.concurrent.atomic.AtomicBoolean released =
      new java.util.concurrent.atomic.AtomicBoolean();

  public CoordinatorClient(
      IoLoop loop,
      InetSocketAddress coordinator,
      String job,
      byte[] key,
      boolean hostedByRank0,
      Duration heartbeat,
      CoordinatorServer hosted) {
    this.hosted = hosted;
    this.loop = loop;
    this.coordinator = coordinator;
    this.job = job;
    this.key = key;
    this.hostedByRank0 = hostedByRank0;
    this.heartbeatNanos = heartbeat.toNanos();
  }

  /** Joins the group; returns once every rank has joined. */
  public Membership join(int rank, int size, InetSocketAddress listening, Deadline deadline) {
    String host = hostName();
    // Made when sent: the time left must be what is left then, not before the connection retries.
    java.util.function.Supplier<byte[]> joinMessage =
        () ->
            new Wire.Out()
                .i32(rank)
                .i32(size)
                .i64(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline.nanosLeft())))
                .address(listening)
                .i64(ProcessHandle.current().pid())
                .str(host)
                .toBytes();
    loop.execute(() -> dial(rank, joinMessage, deadline, 1));
    try {
      int[] placed = roster.get(Math.max(0, deadline.nanosLeft()), TimeUnit.NANOSECONDS);
      this.rank = placed[0];
      this.size = placed[1];
      return this;
    } catch (TimeoutException e) {
      roster.completeExceptionally(e);
      failed(deadline);
      throw timeout(deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed(deadline);
      throw new BootstrapException(Code.CLOSED, "interrupted while joining at " + coordinator);
    } catch (ExecutionException e) {
      failed(deadline);
      Throwable c = e.getCause();
      if (c instanceof BootstrapException) {
        BootstrapException b = (BootstrapException) c;
        throw new BootstrapException(b.code(), b.getMessage(), b.ranks(), b);
      }
      throw new BootstrapException(Code.INTERNAL, "joining at " + coordinator + " failed: " + c, c);
    }
  }

  private BootstrapException timeout(Deadline deadline) {
    if (connectedOnce) {
      return deadline.timeoutError(
          List.of(), 0, "the coordinator at " + coordinator + " did not complete the group");
    }
    if (hostedByRank0) {
      return deadline.timeoutError(
          List.of(0),
          0,
          "nothing answered at "
              + coordinator
              + " ("
              + lastConnectError
              + "); rank 0 starts the coordinator there: is it running, and is this its address?");
    }
    return new BootstrapException(
        Code.UNAVAILABLE,
        "no coordinator answered at "
            + coordinator
            + " within "
            + Durations.format(deadline.timeout())
            + " ("
            + lastConnectError
            + "); start one with `muster coordinator --port "
            + coordinator.getPort()
            + "`, or drop coordinator=external to let rank 0 run it");
  }

  private void dial(
      int rank,
      java.util.function.Supplier<byte[]> joinMessage,
      Deadline deadline,
      long backoffMillis) {
    if (roster.isDone()) {
      return;
    }
    Handshake.DialResult result =
        new Handshake.DialResult() {
          @Override
          public void established(Link l) {
            connectedOnce = true;
            l.become(CoordinatorClient.this, Wire.CONTROL_LIMIT);
            link = l;
            loop.addTimer(CoordinatorClient.this); // heartbeats, also while the group gathers
            if (roster.isDone()) {
              l.closeQuietly(new IOException("open was abandoned"));
              return;
            }
            try {
              l.send(Wire.JOIN, 0, joinMessage.get());
            } catch (IOException e) {
              l.closeQuietly(e);
            }
          }

          @Override
          public void failed(Link l, BootstrapException cause, boolean retry) {
            lastConnectError = cause.getMessage();
            if (!retry || roster.isDone()) {
              roster.completeExceptionally(cause);
              return;
            }
            long next = Math.min(backoffMillis * 2, 500);
            long delay =
                backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis + 1);
            if (deadline.nanosLeft() > TimeUnit.MILLISECONDS.toNanos(delay)) {
              loop.schedule(
                  () -> dial(rank, joinMessage, deadline, next),
                  TimeUnit.MILLISECONDS.toNanos(delay));
            }
          }
        };
    try {
      Link.connect(
          loop,
          coordinator,
          new Handshake.Dialer(Wire.PURPOSE_JOIN, job, rank, -1, key, result),
          Wire.HANDSHAKE_LIMIT);
    } catch (IOException e) {
      result.failed(
          null,
          new BootstrapException(Code.UNAVAILABLE, "cannot connect to " + coordinator + ": " + e),
          true);
    }
  }

  @Override
  public void listen(Membership.Listener listener) {
    this.events = listener;
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int ranksOnThisHost() {
    return sameHost;
  }

  @Override
  public Map<Integer, InetSocketAddress> addresses() {
    return known;
  }

  @Override
  public void onFrame(Link l, byte type, int tag, byte[] payload) {
    String from = "the coordinator at " + coordinator;
    Wire.In in = new Wire.In(payload, from);
    switch (type) {
      case Wire.ROSTER:
        {
          int rank = in.i32();
          int size = in.i32();
          int n = in.i32();
          for (int i = 0; i < n; i++) {
            known.put(in.i32(), in.address());
          }
          sameHost = in.i32();
          roster.complete(new int[] {rank, size});
          return;
        }
      case Wire.FAIL:
        roster.completeExceptionally(Wire.failure(payload, from));
        return;
      case Wire.LOST:
        {
          int rank = in.i32();
          String why = in.str();
          Membership.Listener e = events;
          if (e != null) {
            e.lost(rank, why);
          }
          return;
        }
      case Wire.LEFT:
        {
          Membership.Listener e = events;
          if (e != null) {
            e.left(in.i32());
          }
          return;
        }
      case Wire.ADDRESS:
        {
          int rank = in.i32();
          InetSocketAddress a = in.i8() == 1 ? in.address() : null;
          List<Consumer<InetSocketAddress>> waiting = lookups.remove(rank);
          if (waiting != null) {
            waiting.forEach(w -> w.accept(a));
          }
          return;
        }
      case Wire.SHUTDOWN:
        shutdownSaid = true;
        return;
      case Wire.HEARTBEAT:
        return;
      default:
        log.warn("unexpected {} from {}", Wire.typeName(type), from);
    }
  }

  @Override
  public void onClosed(Link l, Exception cause) {
    if (!roster.isDone()) {
      roster.completeExceptionally(
          new BootstrapException(
              Code.UNAVAILABLE,
              "the coordinator at "
                  + coordinator
                  + " dropped the connection during rendezvous: "
                  + cause.getMessage(),
              hostedByRank0 ? List.of(0) : List.of()));
      return;
    }
    loop.removeTimer(this);
    failLookups();
    Membership.Listener e = events;
    if (leaving || e == null) {
      return;
    }
    if (hostedByRank0 && rank != 0) {
      if (shutdownSaid) {
        e.left(0);
      } else {
        e.lost(0, "rank 0, which hosts the coordinator, is unreachable: " + cause.getMessage());
      }
    } else if (!shutdownSaid) {
      log.warn(
          "rank {}: lost the coordinator at {} ({}); deaths of ranks this rank has no connection"
              + " to are now noticed only by timeouts",
          rank,
          coordinator,
          cause.getMessage());
    }
  }

  private void failLookups() {
    List<Consumer<InetSocketAddress>> all = new ArrayList<>();
    lookups.values().forEach(all::addAll);
    lookups.clear();
    all.forEach(w -> w.accept(null));
  }

  @Override
  public void lookup(int rank, Consumer<InetSocketAddress> then) {
    loop.execute(
        () -> {
          Link l = link;
          if (l == null || l.isClosed()) {
            then.accept(null);
            return;
          }
          List<Consumer<InetSocketAddress>> waiting = lookups.get(rank);
          if (waiting != null) {
            waiting.add(then);
            return;
          }
          waiting = new ArrayList<>();
          waiting.add(then);
          lookups.put(rank, waiting);
          try {
            l.send(Wire.LOOKUP, 0, new Wire.Out().i32(rank).toBytes());
          } catch (IOException e) {
            l.closeQuietly(e);
          }
        });
  }

  @Override
  public void tick(long now) {
    Link l = link;
    if (l == null || l.isClosed() || leaving) {
      return; // after LEAVE our side is half-closed: a heartbeat now would reset the link
    }
    if (now - l.lastWriteNanos() > heartbeatNanos) {
      try {
        l.send(Wire.HEARTBEAT, 0, new byte[0]);
      } catch (IOException e) {
        l.closeQuietly(e);
        return;
      }
    }
    if (now - lastTick > heartbeatNanos) {
      resumedAt = now; // this loop itself stalled: the coordinator's silence counts from now
    }
    lastTick = now;
    if (now - Math.max(l.lastReadNanos(), resumedAt) > 3 * heartbeatNanos && !l.pollInline()) {
      l.closeQuietly(
          new IOException(
              "the coordinator at "
                  + coordinator
                  + " has been silent for "
                  + Durations.format(Duration.ofNanos(3 * heartbeatNanos))));
    }
  }

  /** Says LEAVE, so the others hear this rank left rather than died, and closes the link. */
  @Override
  public void leave(long flushNanos) {
    leaving = true;
    Link l = link;
    if (l != null && !l.isClosed()) {
      try {
        long end = System.nanoTime() + flushNanos;
        l.send(Wire.LEAVE, 0, new byte[0]); // then wait for the coordinator to close first
        l.awaitDrained(flushNanos);
        l.finishOutput();
        l.awaitClosed(end - System.nanoTime());
      } catch (IOException e) {
        log.debug("could not say LEAVE to {}", coordinator, e);
      }
    }
    close();
    if (hosted != null) {
      try {
        loop.call(
            () -> {
              hosted.close(true);
              return null;
            });
      } catch (IOException e) {
        log.warn("stopping the coordinator at {}: {}", coordinator, e.toString());
      }
    }
    releaseLoop();
  }

  @Override
  public void abort() {
    close();
    if (hosted != null) {
      loop.execute(() -> hosted.close(false));
    }
    releaseLoop();
  }

  /** After a failed join: the hosted coordinator stays until every rank has heard why. */
  private void failed(Deadline deadline) {
    close();
    if (hosted != null) {
      loop.execute(() -> hosted.closeWhenDone(deadline.endNanos()));
    }
    releaseLoop();
  }

  private void releaseLoop() {
    if (released.compareAndSet(false, true)) {
      loop.release();
    }
  }

  /** Drops the link at once, as a dying process would. */
  private void close() {
    leaving = true;
    loop.removeTimer(this);
    Link l = link;
    if (l != null) {
      l.closeQuietly(new IOException("this rank closed"));
    }
  }

  @Override
  public int sockets() {
    Link l = link;
    return l != null && !l.isClosed() ? 1 : 0;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
