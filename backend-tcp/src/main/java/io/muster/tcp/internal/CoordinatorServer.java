package io.muster.tcp.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Durations;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rendezvous coordinator: ranks JOIN with their rank, size and listening address; once all have
 * joined each gets a ROSTER with its neighbourhood's addresses. It validates the group (size,
 * duplicate ranks, job, token) and fails every rank at once on a conflict, names the missing ranks
 * when a rank's open times out, answers address LOOKUPs, and watches every rank's link (heartbeats)
 * so that a rank that dies, or goes silent, is reported LOST to the others within seconds.
 *
 * <p>Everything here runs on the loop thread, so it needs no locks.
 */
public final class CoordinatorServer implements Handshake.Gatekeeper, IoLoop.Timer {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorServer.class);

  private final IoLoop loop;
  private final Acceptor acceptor;
  private final byte[] key;
  private final String onlyJob;
  private final long heartbeatNanos;
  private final Map<String, Group> groups = new HashMap<>();
  private final Runnable onIdle;
  private boolean closed;
  private long lastTick = System.nanoTime();
  private long resumedAt = lastTick;
  private boolean finished;
  private long closeWhenDoneBy = Long.MAX_VALUE;
  private boolean closeWhenDone;

  /** One job's ranks. */
  private final class Group {
    final String job;
    int size;
    final Map<Integer, Member> byRank = new HashMap<>();
    final List<Member> members = new ArrayList<>();
    boolean formed;
    BootstrapException failure;

    Group(String job, int size) {
      this.job = job;
      this.size = size;
    }

    List<Integer> missing() {
      List<Integer> out = new ArrayList<>();
      for (int r = 0; r < size; r++) {
        if (!byRank.containsKey(r)) {
          out.add(r);
        }
      }
      return out;
    }
  }

  /** One rank's link. */
  private final class Member implements Link.Listener {
    final Link link;
    final Group group;
    int rank = -1;
    String who;
    InetSocketAddress address;
    long failAtNanos;
    boolean answered;
    boolean left;

    Member(Link link, Group group) {
      this.link = link;
      this.group = group;
      this.who = link.remote();
    }

    @Override
    public void onFrame(Link l, byte type, int tag, byte[] payload) {
      try {
        switch (type) {
          case Wire.JOIN:
            join(this, new Wire.In(payload, l.remote()));
            break;
          case Wire.LOOKUP:
            lookup(this, new Wire.In(payload, l.remote()).i32());
            break;
          case Wire.LEAVE:
            left = true;
            broadcast(group, this, Wire.LEFT, new Wire.Out().i32(rank).toBytes());
            break;
          case Wire.HEARTBEAT:
            break;
          default:
            log.warn("coordinator: {} sent unexpected {}", who, Wire.typeName(type));
        }
      } catch (BootstrapException e) {
        log.warn("coordinator: bad message from {}: {}", who, e.getMessage());
        l.closeQuietly(new IOException(e.getMessage()));
      }
    }

    @Override
    public void onClosed(Link l, Exception cause) {
      departed(this, cause);
    }
  }

  private CoordinatorServer(
      IoLoop loop,
      InetSocketAddress bind,
      String token,
      String onlyJob,
      int size,
      Duration heartbeat,
      long bindDeadline,
      Runnable onIdle)
      throws IOException {
    this.loop = loop;
    this.key = Handshake.key(token);
    this.onlyJob = onlyJob;
    this.heartbeatNanos = heartbeat.toNanos();
    this.onIdle = onIdle;
    if (onlyJob != null) {
      groups.put(onlyJob, new Group(onlyJob, size));
    }
    this.acceptor = Acceptor.open(loop, bind, this, bindDeadline, null);
    loop.addTimer(this);
  }

  /**
   * Starts a coordinator on the loop. Call it from any thread but the loop's: binding may wait.
   *
   * @param onlyJob the one job it serves (embedded in rank 0), or {@code null} for any job
   * @param size that job's size, known up front when embedded; 0 otherwise
   * @param onIdle run on the loop after the coordinator closed itself (see {@link #closeWhenDone})
   */
  public static CoordinatorServer start(
      IoLoop loop,
      InetSocketAddress bind,
      String token,
      String onlyJob,
      int size,
      Duration heartbeat,
      long bindDeadline,
      Runnable onIdle)
      throws IOException {
    return new CoordinatorServer(loop, bind, token, onlyJob, size, heartbeat, bindDeadline, onIdle);
  }

  public InetSocketAddress address() {
    return acceptor.address();
  }

  // ---------------------------------------------------------------- handshake

  @Override
  public byte[] admit(Handshake.Hello hello, Handshake.Answerer answerer) {
    if (closed) {
      throw new BootstrapException(Code.UNAVAILABLE, "the coordinator is shutting down");
    }
    if (hello.purpose != Wire.PURPOSE_JOIN) {
      throw new BootstrapException(
          Code.CONFIG,
          "this is a coordinator, not a rank: check the addresses your ranks connect to");
    }
    if (onlyJob != null && !onlyJob.equals(hello.job)) {
      BootstrapException e =
          new BootstrapException(
              Code.CONFIG,
              "inconsistent configuration: a rank"
                  + (hello.from >= 0 ? " claiming rank " + hello.from : "")
                  + " asked for job '"
                  + hello.job
                  + "' but the coordinator at "
                  + address()
                  + " serves job '"
                  + onlyJob
                  + "': give every rank the same job=");
      fail(groups.get(onlyJob), e);
      throw e;
    }
    return key;
  }

  @Override
  public void refused(Handshake.Hello hello, BootstrapException why) {
    Group g = groups.get(hello.job);
    if (g != null && !g.formed) {
      fail(g, why);
    }
  }

  @Override
  public void established(Link link, Handshake.Hello hello) {
    Group g = groups.computeIfAbsent(hello.job, j -> new Group(j, 0));
    Member m = new Member(link, g);
    link.become(m, Wire.CONTROL_LIMIT);
    g.members.add(m);
  }

  // ---------------------------------------------------------------- protocol

  private void join(Member m, Wire.In in) {
    int rank = in.i32();
    int size = in.i32();
    long timeoutMillis = in.i64();
    InetSocketAddress address = in.address();
    long pid = in.i64();
    String host = in.str();
    Group g = m.group;
    m.who = "rank " + rank + " (pid " + pid + " on " + host + ")";
    m.address = address;
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, timeoutMillis));
    // Answer a little before the rank's own deadline, so it hears which ranks are missing.
    long margin = Math.min(timeoutNanos / 20, TimeUnit.MILLISECONDS.toNanos(200));
    m.failAtNanos = System.nanoTime() + timeoutNanos - margin;
    if (g.failure != null) {
      answer(m, Wire.FAIL, Wire.failure(g.failure));
      return;
    }
    if (g.formed) {
      answer(
          m,
          Wire.FAIL,
          Wire.failure(
              new BootstrapException(
                  Code.CONFIG,
                  "job '"
                      + g.job
                      + "' at "
                      + address()
                      + " already has all its "
                      + g.size
                      + " ranks; a rank joined twice, or two jobs share a name")));
      return;
    }
    if (size < 1) {
      answer(m, Wire.FAIL, Wire.failure(new BootstrapException(Code.CONFIG, "size " + size)));
      return;
    }
    if (g.size == 0) {
      g.size = size;
    } else if (g.size != size) {
      fail(
          g,
          new BootstrapException(
              Code.CONFIG,
              "inconsistent configuration: "
                  + m.who
                  + " opened job '"
                  + g.job
                  + "' with size "
                  + size
                  + ", but the group has size "
                  + g.size
                  + ": give every rank the same size",
              rank >= 0 ? List.of(rank) : List.of()));
      answer(m, Wire.FAIL, Wire.failure(g.failure));
      return;
    }
    if (rank >= g.size || rank < -1) {
      answer(
          m,
          Wire.FAIL,
          Wire.failure(
              new BootstrapException(
                  Code.CONFIG, "rank " + rank + " is outside 0.." + (g.size - 1))));
      return;
    }
    if (rank == -1) {
      rank = 0;
      while (g.byRank.containsKey(rank)) {
        rank++;
      }
      m.who = "rank " + rank + " (assigned; pid " + pid + " on " + host + ")";
    } else if (g.byRank.containsKey(rank)) {
      Member other = g.byRank.get(rank);
      fail(
          g,
          new BootstrapException(
              Code.CONFIG,
              "inconsistent configuration: rank "
                  + rank
                  + " of job '"
                  + g.job
                  + "' is claimed twice, by pid "
                  + pid
                  + " on "
                  + host
                  + " and by "
                  + other.who
                  + ": give each process its own rank",
              List.of(rank)));
      answer(m, Wire.FAIL, Wire.failure(g.failure));
      return;
    }
    m.rank = rank;
    g.byRank.put(rank, m);
    if (g.byRank.size() == g.size) {
      form(g);
    } else {
      loop.schedule(() -> expire(g), Math.max(0, m.failAtNanos - System.nanoTime()));
    }
  }

  /**
   * The first rank whose open runs out of time ends the gathering for all: the group can no longer
   * form in time, and every rank hears the same list of missing ranks.
   */
  private void expire(Group g) {
    if (g.formed || g.failure != null || closed) {
      return;
    }
    long now = System.nanoTime();
    Member first = null;
    for (Member m : g.byRank.values()) {
      if (first == null || m.failAtNanos - first.failAtNanos < 0) {
        first = m;
      }
    }
    if (first == null || now - first.failAtNanos < 0) {
      return; // that rank left meanwhile; a later expiry is scheduled for the others
    }
    failGathering(g, first);
  }

  /** Fails a gathering group because {@code first}'s open ran out of time. */
  private void failGathering(Group g, Member first) {
    List<Integer> missing = g.missing();
    fail(
        g,
        new BootstrapException(
            Code.TIMEOUT,
            "timed out in open of job '"
                + g.job
                + "' at "
                + address()
                + " waiting for "
                + (missing.size() == 1 ? "rank " + missing.get(0) : "ranks " + missing)
                + " of "
                + g.size
                + ": "
                + (missing.size() == 1 ? "it never reached" : "they never reached")
                + " the coordinator within "
                + first.who
                + "'s timeout; check that every rank was started with this address, job and"
                + " size",
            missing));
  }

  private void form(Group g) {
    g.formed = true;
    log.debug("coordinator: job '{}' formed with {} ranks", g.job, g.size);
    for (Member m : g.byRank.values()) {
      Wire.Out out = new Wire.Out().i32(m.rank).i32(g.size);
      var neighbours = Neighbourhood.of(m.rank, g.size);
      out.i32(neighbours.size());
      for (int r : neighbours) {
        out.i32(r).address(g.byRank.get(r).address);
      }
      int sameHost = 0;
      for (Member o : g.byRank.values()) {
        if (o.address.getAddress().equals(m.address.getAddress())) {
          sameHost++;
        }
      }
      out.i32(sameHost);
      answer(m, Wire.ROSTER, out.toBytes());
    }
  }

  private void lookup(Member m, int rank) {
    Member target = m.group.byRank.get(rank);
    Wire.Out out = new Wire.Out().i32(rank);
    if (target == null || target.left || target.link.isClosed()) {
      out.i8(0);
    } else {
      out.i8(1).address(target.address);
    }
    send(m, Wire.ADDRESS, out.toBytes());
  }

  private void answer(Member m, byte type, byte[] payload) {
    m.answered = true;
    send(m, type, payload);
  }

  private void send(Member m, byte type, byte[] payload) {
    try {
      m.link.send(type, 0, payload);
    } catch (IOException e) {
      m.link.closeQuietly(e);
    }
  }

  private void broadcast(Group g, Member except, byte type, byte[] payload) {
    for (Member o : new ArrayList<>(g.members)) {
      if (o != except && o.rank >= 0 && !o.link.isClosed()) {
        send(o, type, payload);
      }
    }
  }

  /** Fails every rank of {@code g} that has joined, now, and every one that joins later. */
  private void fail(Group g, BootstrapException e) {
    if (g == null || g.failure != null) {
      return;
    }
    g.failure = e;
    log.warn("coordinator: job '{}' failed: {}", g.job, e.getMessage());
    for (Member m : new ArrayList<>(g.members)) {
      if (m.address != null) {
        answer(m, Wire.FAIL, Wire.failure(e));
      }
    }
    maybeDone();
  }

  private void departed(Member m, Exception cause) {
    Group g = m.group;
    g.members.remove(m);
    if (closed) {
      if (groups.values().stream().allMatch(x -> x.members.isEmpty())) {
        finish();
      }
      return;
    }
    if (m.rank >= 0 && g.byRank.get(m.rank) == m) {
      if (!g.formed
          && g.failure == null
          && System.nanoTime() - m.failAtNanos > -TimeUnit.MILLISECONDS.toNanos(500)) {
        // It gave up at its deadline just before we told it why: tell the others, naming the
        // ranks that were really missing.
        failGathering(g, m);
      }
      if (!g.formed) {
        g.byRank.remove(m.rank); // it may come back before the group forms
        log.info("coordinator: {} left job '{}' before it formed", m.who, g.job);
      } else if (!m.left) {
        String why =
            "rank "
                + m.rank
                + " of job '"
                + g.job
                + "' is lost: its link to the coordinator "
                + (cause instanceof java.io.EOFException
                    ? "closed (the process died?)"
                    : "failed: " + cause.getMessage());
        log.warn("coordinator: {}", why);
        broadcast(g, m, Wire.LOST, new Wire.Out().i32(m.rank).str(why).toBytes());
      }
    }
    if (g.members.isEmpty() && (g.formed || g.failure != null) && onlyJob == null) {
      groups.remove(g.job);
    }
    maybeDone();
  }

  @Override
  public void tick(long now) {
    if (now - lastTick > heartbeatNanos) {
      resumedAt = now; // this loop itself stalled: nobody's silence counts from before now
    }
    lastTick = now;
    for (Group g : groups.values()) {
      for (Member m : new ArrayList<>(g.members)) {
        Link l = m.link;
        if (now - l.lastWriteNanos() > heartbeatNanos) {
          send(m, Wire.HEARTBEAT, new byte[0]);
        }
        if (now - Math.max(l.lastReadNanos(), resumedAt) > 3 * heartbeatNanos && !l.pollInline()) {
          l.closeQuietly(
              new IOException(
                  "silent for "
                      + Durations.format(Duration.ofNanos(3 * heartbeatNanos))
                      + " (no heartbeat): the process is hung or the network is cut"));
        }
      }
    }
    if (closeWhenDone && now - closeWhenDoneBy >= 0 && !running()) {
      close(true);
    }
  }

  /**
   * Closes once every rank of the embedded group has been answered (so ranks that join after a
   * failure still hear it) or at {@code byNanos}, whichever comes first.
   */
  public void closeWhenDone(long byNanos) {
    closeWhenDone = true;
    closeWhenDoneBy = byNanos;
    maybeDone();
  }

  /** Whether some group is formed and still has ranks: then a deadline never stops us. */
  private boolean running() {
    for (Group g : groups.values()) {
      if (g.formed && !g.members.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private void maybeDone() {
    if (!closeWhenDone || closed) {
      return;
    }
    for (Group g : groups.values()) {
      if (g.failure == null && !g.formed) {
        return; // still gathering
      }
      if (!g.members.isEmpty()) {
        if (g.formed) {
          return; // still running
        }
        int answered = 0;
        for (Member m : g.members) {
          if (m.answered) {
            answered++;
          }
        }
        if (answered < g.size) {
          return; // ranks still to be told of the failure
        }
      }
    }
    close(true);
  }

  /**
   * Stops the coordinator. Gracefully, ranks are told SHUTDOWN first; otherwise their links just
   * drop (as when the process dies). Call on the loop thread.
   */
  public void close(boolean graceful) {
    if (closed) {
      return;
    }
    closed = true;
    loop.removeTimer(this);
    acceptor.close();
    boolean anyone = false;
    for (Group g : groups.values()) {
      for (Member m : new ArrayList<>(g.members)) {
        if (graceful) {
          // SHUTDOWN then half-close: the rank reads it, closes its side, and so do we.
          send(m, Wire.SHUTDOWN, new byte[0]);
          m.link.finishOutput();
          anyone = true;
        } else {
          m.link.closeQuietly(new IOException("the coordinator stopped"));
        }
      }
    }
    if (anyone) {
      loop.schedule(this::finish, TimeUnit.SECONDS.toNanos(2));
    } else {
      finish();
    }
  }

  /** Drops whatever links are left and lets go of the loop; once. */
  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    for (Group g : groups.values()) {
      for (Member m : new ArrayList<>(g.members)) {
        m.link.closeQuietly(new IOException("the coordinator stopped"));
      }
    }
    groups.clear();
    if (onIdle != null) {
      onIdle.run();
    }
  }

  public boolean isClosed() {
    return closed;
  }
}
