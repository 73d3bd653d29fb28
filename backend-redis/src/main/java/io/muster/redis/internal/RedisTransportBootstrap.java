package io.muster.redis.internal;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import io.muster.spi.MessagingBootstrap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A rank of a {@code redis://…?transport=redis} group: every message goes through Redis, for
 * networks where ranks cannot connect to each other. Each rank has one inbox list; a send appends
 * the message's pieces to the receiver's inbox (so pieces of one sender arrive in send order), and
 * one reader thread per rank blocks on the inbox and hands whole messages to the mailbox. News of
 * ranks lost or left is appended to the inbox by the heartbeat, behind every message those ranks
 * sent, so nothing they sent before is taken for missing.
 */
public final class RedisTransportBootstrap extends MessagingBootstrap {
  private static final Logger log = LoggerFactory.getLogger(RedisTransportBootstrap.class);

  /** The largest message, above the contract's 256 MiB. */
  static final int MAX_MESSAGE = 1 << 30;

  /** Connections a rank's senders share. */
  private static final int SEND_CONNECTIONS = 8;

  /** Connections of the seat: the opening thread, then the heartbeat thread. */
  private static final int SEAT_CONNECTIONS = 2;

  /** Upper bound on how long close waits for the reader thread. */
  private static final long READER_JOIN_MILLIS = 2_000;

  private final Seat seat;
  private final RedisService service;
  private final RedisService senders; // apart, so busy senders never delay a heartbeat
  private final JobSettings job;
  private final List<List<byte[]>> groupAndInbox = new ArrayList<>();
  private final byte[] instance;
  private final byte[] ttl;
  private final AtomicLong nextMessage = new AtomicLong();
  private final Reassembly reassembly = new Reassembly();
  private final Thread reader;
  private volatile Connection readerConnection;
  private volatile boolean closing;
  private volatile boolean crashing;

  private RedisTransportBootstrap(Seat seat, RedisService senders, Duration timeout) {
    super(seat.rank(), seat.size(), timeout, seat.job().where());
    this.seat = seat;
    this.service = seat.service();
    this.senders = senders;
    this.job = seat.job();
    this.instance = JobSettings.bytes(seat.instance());
    this.ttl = JobSettings.bytes(job.ttl().toMillis());
    for (int r = 0; r < seat.size(); r++) {
      groupAndInbox.add(List.of(job.groupKey(), job.key(seat.instance(), "in:" + r)));
    }
    this.reader = new Thread(this::read, "muster-redis-inbox-" + job.job() + "-" + seat.rank());
    reader.setDaemon(true);
    // every message takes Redis round trips, far longer than a wake-up: spinning only burns cores
    mailbox().spinWhileWaiting(false);
  }

  /** Joins the group through Redis and starts reading this rank's inbox. */
  public static Bootstrap open(
      RedisEndpoint endpoint, JobSettings job, int rank, int size, Duration timeout) {
    Deadline deadline =
        Deadline.after(
            timeout,
            "open of " + job.where() + (rank >= 0 ? " as rank " + rank : " (rank to assign)"));
    RedisService service = new RedisService(endpoint, job.clientName(), SEAT_CONNECTIONS);
    RedisService senders = null;
    try {
      Seat seat = Seat.join(service, job, rank, size, "", true, deadline);
      try {
        senders = new RedisService(endpoint, job.clientName(), SEND_CONNECTIONS);
        RedisTransportBootstrap b = new RedisTransportBootstrap(seat, senders, timeout);
        seat.heartbeat().listen(b.new Events());
        b.reader.start();
        return b;
      } catch (RuntimeException e) {
        seat.leave(TimeUnit.SECONDS.toNanos(1));
        throw e;
      }
    } catch (RuntimeException e) {
      if (senders != null) {
        senders.close();
      }
      service.close();
      throw e;
    }
  }

  /** What the heartbeat learns that the inbox does not carry. */
  private final class Events implements Heartbeat.Listener {
    @Override
    public void lost(int rank, String why) {
      // arrives through the inbox too, behind the rank's last messages
    }

    @Override
    public void left(int rank) {
      // likewise
    }

    @Override
    public void failed(BootstrapException why) {
      mailbox().fail(why);
    }

    @Override
    public void unreachable(BootstrapException why) {
      mailbox().fail(why);
    }
  }

  @Override
  protected void transmit(int peer, int tag, byte[] message) {
    if (message.length > MAX_MESSAGE) {
      throw new IllegalArgumentException(
          "a message of " + message.length + " bytes exceeds the limit of " + MAX_MESSAGE);
    }
    long id = nextMessage.getAndIncrement();
    int pieces = Envelope.pieces(message.length);
    Deadline deadline = Deadline.after(timeout(), "send to rank " + peer + " (tag " + tag + ")");
    for (int piece = 0; piece < pieces; piece++) {
      byte[] entry = Envelope.encode(rank(), tag, id, piece, message);
      Object n =
          senders.script(
              Script.PUSH,
              "sending to rank " + peer,
              deadline,
              groupAndInbox.get(peer),
              List.of(instance, ttl, entry));
      if (n instanceof Long && (Long) n < 0) {
        BootstrapException gone = vanished("sending to rank " + peer);
        mailbox().fail(gone);
        throw gone;
      }
    }
  }

  private BootstrapException vanished(String what) {
    return new BootstrapException(
        Code.UNAVAILABLE,
        "the state of job '"
            + job.job()
            + "' vanished from Redis at "
            + service.endpoint()
            + " while "
            + what
            + " (was the server restarted or flushed?); restart the job");
  }

  /** The reader thread: blocks on the inbox and delivers what it finds, until close. */
  private void read() {
    byte[] inbox = groupAndInbox.get(rank()).get(1);
    String what = "reading the inbox of rank " + rank();
    while (!closing) {
      Connection c = readerConnection;
      try {
        if (c == null) {
          c = service.connect(what, Deadline.after(Duration.ofMillis(job.leaseMillis()), what));
          readerConnection = c;
          if (closing) {
            break;
          }
        }
        byte[] entry = RedisService.blockingPop(c, inbox, Seat.WAIT_SLICE_SECONDS);
        if (entry != null) {
          handle(entry);
        }
      } catch (BootstrapException e) {
        if (!closing) {
          mailbox().fail(e); // no connection to Redis within bounded retries
        }
        break;
      } catch (JedisException e) {
        if (closing) {
          break;
        }
        readerConnection = null;
        c.close();
        BootstrapException why = service.translate(e, what);
        if (why.code() != Code.UNAVAILABLE) {
          mailbox().fail(why);
          break;
        }
        try {
          String current =
              service.call(
                  what,
                  Deadline.after(Duration.ofMillis(job.leaseMillis()), what),
                  r -> r.hget(Seat.text(job.groupKey()), "instance"));
          if (!seat.instance().equals(current)) {
            mailbox().fail(vanished(what));
            break;
          }
        } catch (BootstrapException gone) {
          if (!closing) {
            mailbox().fail(gone);
          }
          break;
        }
      } catch (RuntimeException e) {
        log.error("rank {} of {}: the inbox reader failed", rank(), where(), e);
        mailbox()
            .fail(
                new BootstrapException(
                    Code.INTERNAL, "the inbox reader of rank " + rank() + " failed: " + e, e));
        break;
      }
    }
    Connection c = readerConnection;
    if (c != null) {
      c.close();
    }
  }

  private void handle(byte[] entry) {
    if (Envelope.isPiece(entry)) {
      byte[] message;
      Envelope e;
      try {
        e = Envelope.decode(entry, size(), MAX_MESSAGE);
        message = reassembly.accept(e);
      } catch (IllegalArgumentException bad) {
        log.warn("rank {} of {}: dropped an inbox entry: {}", rank(), where(), bad.getMessage());
        return;
      }
      if (message != null) {
        mailbox().deliver(e.from, e.tag, message);
      }
      return;
    }
    Envelope.News news = Envelope.news(entry);
    if (news == null) {
      log.warn(
          "rank {} of {}: dropped an inbox entry of {} bytes that is not a Muster message",
          rank(),
          where(),
          entry.length);
      return;
    }
    if (news.rank() == rank() || news.rank() < 0 || news.rank() >= size()) {
      return;
    }
    if (news.left()) {
      String why = "rank " + news.rank() + " closed its bootstrap";
      mailbox()
          .peerLeft(news.rank(), new BootstrapException(Code.PEER_LOST, why, List.of(news.rank())));
    } else {
      String why = seat.heartbeat().lostMessage(news.rank());
      mailbox()
          .peerLost(news.rank(), new BootstrapException(Code.PEER_LOST, why, List.of(news.rank())));
    }
  }

  @Override
  protected void release() {
    closing = true;
    seat.heartbeat().stop();
    Connection c = readerConnection;
    if (c != null) {
      c.close(); // ends the reader's blocking pop at once
    }
    try {
      reader.join(READER_JOIN_MILLIS);
      if (reader.isAlive()) {
        log.warn("rank {} of {}: the inbox reader did not stop in time", rank(), where());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (!crashing) {
        seat.leave(TimeUnit.SECONDS.toNanos(2));
      }
    } finally {
      senders.close();
      service.close();
    }
  }

  /**
   * Stops at once without telling anyone, as a dying process would (a test hook: the others see
   * this rank lost once its lease runs out).
   */
  public void crash() {
    crashing = true;
    close();
  }

  /** Messages whose pieces have not all arrived (for tests). */
  int incomplete() {
    return reassembly.incomplete();
  }
}
