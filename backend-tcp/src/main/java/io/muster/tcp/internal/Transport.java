package io.muster.tcp.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.InlineProgress;
import io.muster.spi.Mailbox;
import io.muster.tcp.Membership;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rank's connections to its peers. A connection is opened on first use (one per pair: when two
 * ranks dial each other at once, the lower rank's connection wins), so after the collectives a rank
 * holds only its neighbourhood's connections, never a full mesh. Messages sent before the
 * connection is up wait, copied, in the peer's backlog and go first once it is.
 */
public final class Transport implements Handshake.Gatekeeper, InlineProgress, Membership.Listener {
  private static final Logger log = LoggerFactory.getLogger(Transport.class);

  private final IoLoop loop;
  private final String job;
  private final byte[] key;
  private final int maxMessage;
  private final long dialWindowNanos;
  private final Map<Integer, InetSocketAddress> addresses = new ConcurrentHashMap<>();
  private final List<Handshake.Answerer> deferred = new ArrayList<>();
  private Acceptor acceptor;
  private Membership membership;
  private volatile Peer[] peers;
  private volatile Mailbox mailbox;
  private volatile int rank = -1;
  private volatile boolean closing;

  /** A message waiting for its connection. */
  private static final class Pending {
    final int tag;
    final byte[] message;

    Pending(int tag, byte[] message) {
      this.tag = tag;
      this.message = message;
    }
  }

  /** The state of one peer: its connection, or the messages waiting for one. */
  private final class Peer implements Link.Listener {
    final int rank;
    volatile Link link;
    boolean dialing;

    /**
     * A link the peer dialled and we admitted, still in its handshake: it will carry our backlog.
     */
    Link incoming;

    boolean goodbye;
    final ArrayDeque<Pending> backlog = new ArrayDeque<>();

    Peer(int rank) {
      this.rank = rank;
    }

    @Override
    public void onFrame(Link l, byte type, int tag, byte[] payload) {
      if (type == Wire.DATA) {
        mailbox.deliver(rank, tag, payload);
      } else if (type == Wire.GOODBYE) {
        goodbye = true;
      } else if (type != Wire.HEARTBEAT) {
        log.warn(
            "rank {}: unexpected {} from rank {}", Transport.this.rank, Wire.typeName(type), rank);
      }
    }

    @Override
    public void onClosed(Link l, Exception cause) {
      if (closing) {
        return;
      }
      if (goodbye) {
        lose(rank, "rank " + rank + " closed its bootstrap", true);
        return;
      }
      lose(
          rank,
          "the connection to rank "
              + rank
              + " at "
              + l.remote()
              + " was lost ("
              + cause.getMessage()
              + "): the process died or the network failed");
    }
  }

  public Transport(IoLoop loop, String job, byte[] key, int maxMessage, long dialWindowNanos) {
    this.loop = loop;
    this.job = job;
    this.key = key;
    this.maxMessage = maxMessage;
    this.dialWindowNanos = dialWindowNanos;
  }

  /** Starts listening; incoming HELLOs wait until {@link #ready}. */
  public InetSocketAddress listen(InetSocketAddress at, long deadlineNanos, InetSocketAddress avoid)
      throws IOException {
    acceptor = Acceptor.open(loop, at, this, deadlineNanos, avoid);
    return acceptor.address();
  }

  /** The rank is settled and its mailbox exists: peers may now connect and send. */
  public void ready(Membership membership, Mailbox mailbox) {
    int rank = membership.rank();
    int size = membership.size();
    Peer[] p = new Peer[size];
    for (int i = 0; i < size; i++) {
      p[i] = new Peer(i);
    }
    addresses.putAll(membership.addresses());
    this.mailbox = mailbox;
    this.membership = membership;
    this.peers = p;
    this.rank = rank;
    loop.execute(
        () -> {
          List<Handshake.Answerer> waiting = new ArrayList<>(deferred);
          deferred.clear();
          for (Handshake.Answerer a : waiting) {
            Link l = a.link();
            if (l != null && !l.isClosed()) {
              try {
                byte[] k = decide(a.hello(), a);
                if (k != null) {
                  a.proceed(k);
                }
              } catch (BootstrapException e) {
                a.refuse(e);
              }
            }
          }
        });
  }

  // ---------------------------------------------------------------- sending

  /** Sends a DATA frame to {@code peer}; the caller may reuse {@code message} afterwards. */
  public void send(int peer, int tag, byte[] message) {
    if (message.length > maxMessage) {
      throw new IllegalArgumentException(
          "a message of " + message.length + " bytes exceeds the limit of " + maxMessage);
    }
    Peer p = peers[peer];
    Link l = p.link;
    if (l == null) {
      synchronized (p) {
        l = p.link;
        if (l == null) {
          BootstrapException lost = mailbox.lostCause(peer);
          if (lost != null) {
            throw new BootstrapException(lost.code(), lost.getMessage(), lost.ranks(), lost);
          }
          p.backlog.addLast(new Pending(tag, message.clone()));
          if (!p.dialing && p.incoming == null) {
            p.dialing = true;
            loop.execute(() -> dial(p, System.nanoTime() + dialWindowNanos, 10));
          }
          return;
        }
      }
    }
    try {
      l.send(Wire.DATA, tag, message);
    } catch (IOException e) {
      BootstrapException lost = mailbox.lostCause(peer);
      if (lost != null) {
        throw new BootstrapException(lost.code(), lost.getMessage(), lost.ranks(), lost);
      }
      throw new BootstrapException(
          Code.PEER_LOST, "cannot send to rank " + peer + ": " + e.getMessage(), List.of(peer), e);
    }
  }

  private void dial(Peer p, long until, long backoffMillis) {
    if (closing || p.link != null) {
      return;
    }
    InetSocketAddress to = addresses.get(p.rank);
    if (to == null) {
      membership.lookup(
          p.rank,
          a -> {
            if (a == null) {
              lose(
                  p.rank,
                  "the coordinator cannot say where rank "
                      + p.rank
                      + " is (it left or the coordinator is gone)");
            } else {
              addresses.put(p.rank, a);
              loop.execute(() -> dial(p, until, backoffMillis));
            }
          });
      return;
    }
    Handshake.DialResult result =
        new Handshake.DialResult() {
          @Override
          public void established(Link l) {
            establish(p, l);
          }

          @Override
          public void yielded(Link l) {
            // the peer dials us too and its connection wins; it arrives through the acceptor
          }

          @Override
          public void failed(Link l, BootstrapException cause, boolean retry) {
            if (closing || p.link != null) {
              return;
            }
            if (retry
                && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis) - until < 0) {
              long delay =
                  backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis + 1);
              loop.schedule(
                  () -> dial(p, until, Math.min(backoffMillis * 2, 1000)),
                  TimeUnit.MILLISECONDS.toNanos(delay));
              return;
            }
            lose(
                p.rank,
                "cannot connect to rank " + p.rank + " at " + to + ": " + cause.getMessage());
          }
        };
    try {
      Link.connect(
          loop,
          to,
          new Handshake.Dialer(Wire.PURPOSE_PEER, job, rank, p.rank, key, result),
          Wire.HANDSHAKE_LIMIT);
    } catch (IOException e) {
      result.failed(null, new BootstrapException(Code.UNAVAILABLE, e.toString()), true);
    }
  }

  /** Makes {@code l} the peer's connection and sends its backlog first. On the loop thread. */
  private void establish(Peer p, Link l) {
    synchronized (p) {
      if (p.link != null && !p.link.isClosed()) {
        l.closeQuietly(new IOException("duplicate connection"));
        return;
      }
      l.become(p, maxMessage);
      try {
        for (Pending m : p.backlog) {
          l.send(Wire.DATA, m.tag, m.message, true); // our own copies: no need to copy again
        }
      } catch (IOException e) {
        l.closeQuietly(e);
      }
      p.backlog.clear();
      p.link = l;
      p.dialing = false;
      p.incoming = null;
      p.notifyAll();
    }
  }

  // ---------------------------------------------------------------- accepting

  @Override
  public byte[] admit(Handshake.Hello hello, Handshake.Answerer answerer) {
    if (hello.purpose != Wire.PURPOSE_PEER) {
      throw new BootstrapException(
          Code.CONFIG, "this is a rank's port, not the coordinator: check the coordinator address");
    }
    if (!hello.job.equals(job)) {
      throw new BootstrapException(
          Code.CONFIG,
          "this rank belongs to job '" + job + "', not '" + hello.job + "' (a stale job?)");
    }
    if (peers == null) {
      deferred.add(answerer);
      return null;
    }
    return decide(hello, answerer);
  }

  /** Returns the key to go on with, or null after telling the dialler our connection wins. */
  private byte[] decide(Handshake.Hello hello, Handshake.Answerer answerer) {
    Peer[] all = peers;
    if (hello.to != rank || hello.from < 0 || hello.from >= all.length || hello.from == rank) {
      throw new BootstrapException(
          Code.CONFIG,
          "rank "
              + hello.from
              + " dialled rank "
              + hello.to
              + " but reached rank "
              + rank
              + " of "
              + all.length
              + " (stale addresses from another group?)");
    }
    Peer p = all[hello.from];
    synchronized (p) {
      // One link per pair: the lower rank's dial wins. A rank that admitted the peer's link
      // sends over it rather than dialling too (see send), so both sides always pick the same.
      boolean mineWins =
          (p.link != null && !p.link.isClosed())
              || p.incoming != null
              || (p.dialing && rank < hello.from);
      if (mineWins) {
        answerer.yieldTo();
        return null;
      }
      p.incoming = answerer.link();
    }
    return key;
  }

  @Override
  public void established(Link link, Handshake.Hello hello) {
    establish(peers[hello.from], link);
  }

  @Override
  public void abandoned(Handshake.Hello hello, Link link) {
    Peer[] all = peers;
    if (all == null || hello.from < 0 || hello.from >= all.length) {
      return;
    }
    Peer p = all[hello.from];
    synchronized (p) {
      if (p.incoming != link) {
        return;
      }
      p.incoming = null;
      if (p.link == null && !p.dialing && !p.backlog.isEmpty() && !closing) {
        p.dialing = true; // the peer's link fell through: carry our backlog ourselves
        loop.execute(() -> dial(p, System.nanoTime() + dialWindowNanos, 10));
      }
    }
  }

  // ---------------------------------------------------------------- receiving

  @Override
  public boolean poll(int peer) {
    Peer[] all = peers;
    Link l = all == null ? null : all[peer].link;
    return l != null && l.pollInline();
  }

  @Override
  public void stopPolling(int peer, boolean stillWaiting) {
    Peer[] all = peers;
    Link l = all == null ? null : all[peer].link;
    if (l != null) {
      l.stopPolling(stillWaiting);
    }
  }

  // ---------------------------------------------------------------- liveness

  /** {@code peer} is gone: died, unless {@code graceful} (it closed its bootstrap). */
  private void lose(int peer, String why, boolean graceful) {
    Peer p = peers[peer];
    synchronized (p) {
      p.backlog.clear();
      p.dialing = false;
      p.notifyAll();
    }
    BootstrapException e = new BootstrapException(Code.PEER_LOST, why, List.of(peer));
    if (graceful) {
      mailbox.peerLeft(peer, e);
    } else {
      mailbox.peerLost(peer, e);
    }
  }

  private void lose(int peer, String why) {
    lose(peer, why, false);
  }

  @Override
  public void lost(int peer, String why) {
    lose(peer, why);
    Link l = peers[peer].link;
    if (l != null) {
      l.closeQuietly(new IOException(why));
    }
  }

  @Override
  public void left(int peer) {
    Link l = peers[peer].link;
    if (l == null || l.isClosed()) {
      lose(peer, "rank " + peer + " closed its bootstrap", true);
    }
    // otherwise its connection closes after its last message, and that tells us
  }

  @Override
  public void failed(BootstrapException cause) {
    Mailbox m = mailbox;
    if (m != null) {
      m.fail(cause);
    }
  }

  // ---------------------------------------------------------------- closing

  /**
   * Sends what is still queued (up to {@code flushNanos}), says GOODBYE on every connection and
   * closes them and the listener.
   */
  public void close(long flushNanos) {
    long end = System.nanoTime() + flushNanos;
    Peer[] all = peers;
    if (all != null) {
      for (Peer p : all) {
        synchronized (p) {
          while (p.link == null && (p.dialing || p.incoming != null) && !p.backlog.isEmpty()) {
            long left = end - System.nanoTime();
            if (left <= 0) {
              log.warn(
                  "rank {}: closing with {} messages for rank {} unsent (no connection yet)",
                  rank,
                  p.backlog.size(),
                  p.rank);
              break;
            }
            try {
              TimeUnit.NANOSECONDS.timedWait(p, left);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              break;
            }
          }
        }
      }
      closing = true; // from here on, links closing is our doing, not a loss to report
      for (Peer p : all) {
        Link l = p.link;
        if (l != null && !l.isClosed()) {
          if (!l.awaitDrained(Math.max(0, end - System.nanoTime()))) {
            log.warn(
                "rank {}: closing before everything queued for rank {} was sent", rank, p.rank);
          }
          try {
            l.send(Wire.GOODBYE, 0, new byte[0]);
          } catch (IOException e) {
            log.debug("GOODBYE to rank {} failed", p.rank, e);
          }
          l.finishOutput();
        }
      }
      for (Peer p : all) {
        Link l = p.link;
        if (l != null) {
          l.awaitClosed(end - System.nanoTime());
        }
      }
    }
    shutdown();
  }

  /** Closes every connection and the listener at once, without goodbyes. */
  public void shutdown() {
    closing = true;
    Peer[] all = peers;
    if (all != null) {
      for (Peer p : all) {
        Link l = p.link;
        if (l != null) {
          l.closeQuietly(new IOException("rank " + rank + " closed"));
        }
      }
    }
    try {
      loop.call(
          () -> {
            if (acceptor != null) {
              acceptor.close();
            }
            for (Handshake.Answerer a : deferred) {
              if (a.link() != null) {
                a.link().closeQuietly(new IOException("rank closed"));
              }
            }
            deferred.clear();
            return null;
          });
    } catch (IOException e) {
      log.debug("closing the listener", e);
    }
  }

  /** Where this rank listens. */
  public InetSocketAddress address() {
    return acceptor.address();
  }

  /** Sockets this rank holds: its listener and one per peer connection. */
  public int sockets() {
    int n = acceptor == null ? 0 : 1;
    Peer[] all = peers;
    if (all != null) {
      for (Peer p : all) {
        Link l = p.link;
        if (l != null && !l.isClosed()) {
          n++;
        }
      }
    }
    return n;
  }
}
