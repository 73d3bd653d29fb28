package io.muster.spi;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.internal.collectives.Collectives;
import io.muster.internal.collectives.PointToPoint;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The base of every backend that moves messages itself: it checks arguments, keeps the {@link
 * Mailbox}, serialises the collectives and runs them over the backend's point-to-point messages. A
 * backend implements {@link #transmit} (and usually {@link #inlineProgress}) and {@link #release};
 * it calls {@link Mailbox#deliver} for what arrives and {@link Mailbox#peerLost} for peers that
 * die. A backend with faster native collectives overrides them.
 */
public abstract class MessagingBootstrap implements Bootstrap {
  private static final Logger log = LoggerFactory.getLogger(MessagingBootstrap.class);

  private final int rank;
  private final int size;
  private final Duration timeout;
  private final String where;
  private final Mailbox mailbox;
  private final Collectives collectives;
  private final ReentrantLock collectiveLock = new ReentrantLock(true);
  private final AtomicBoolean closed = new AtomicBoolean();

  /** The ranks the running collective needs (guarded by collectiveLock). */
  private volatile java.util.function.IntPredicate involved = r -> true;

  /**
   * @param where how messages name this group, such as {@code tcp://10.0.0.1:29500 job 'train'}
   */
  protected MessagingBootstrap(int rank, int size, Duration timeout, String where) {
    if (size < 1 || rank < 0 || rank >= size) {
      throw new IllegalArgumentException("rank " + rank + " of " + size);
    }
    this.rank = rank;
    this.size = size;
    this.timeout = Objects.requireNonNull(timeout);
    this.where = where;
    this.mailbox = new Mailbox(rank, size);
    this.collectives =
        new Collectives(
            new PointToPoint() {
              @Override
              public int rank() {
                return rank;
              }

              @Override
              public int size() {
                return size;
              }

              @Override
              public void send(int peer, int tag, byte[] message) {
                sendChecked(peer, tag, message, "collective");
              }

              @Override
              public byte[] recv(int peer, int tag, Deadline deadline) {
                return mailbox.take(peer, tag, deadline, inlineProgress(), involved);
              }
            });
  }

  /**
   * Sends {@code message} to {@code peer} (never this rank). The caller may change the array once
   * this returns, so whatever the backend keeps of it must be a copy.
   */
  protected abstract void transmit(int peer, int tag, byte[] message);

  /** I/O a spinning receiver may do itself; {@code null} when the backend has none. */
  protected InlineProgress inlineProgress() {
    return null;
  }

  /** Releases the backend's threads, sockets and keys; called once, by the first {@link #close}. */
  protected abstract void release();

  /** Where received messages go, and where peer losses are recorded. */
  protected final Mailbox mailbox() {
    return mailbox;
  }

  /** The URI's timeout, the default for every blocking call. */
  protected final Duration timeout() {
    return timeout;
  }

  /** How messages name this group. */
  protected final String where() {
    return where;
  }

  @Override
  public final int rank() {
    return rank;
  }

  @Override
  public final int size() {
    return size;
  }

  @Override
  public final void send(int peer, int tag, byte[] message) {
    checkPeer(peer, "send");
    checkTag(tag);
    Objects.requireNonNull(message, "message");
    sendChecked(peer, tag, message, "send to rank " + peer + " (tag " + tag + ")");
  }

  private void sendChecked(int peer, int tag, byte[] message, String operation) {
    mailbox.checkSendable(peer, operation);
    if (peer == rank) {
      mailbox.deliver(rank, tag, message.clone());
    } else {
      transmit(peer, tag, message);
    }
  }

  @Override
  public final byte[] recv(int peer, int tag) {
    return recv(peer, tag, timeout);
  }

  @Override
  public final byte[] recv(int peer, int tag, Duration timeout) {
    checkPeer(peer, "recv");
    checkTag(tag);
    Objects.requireNonNull(timeout, "timeout");
    Deadline deadline =
        Deadline.after(timeout, "recv from rank " + peer + " (tag " + tag + ") on rank " + rank);
    return mailbox.take(peer, tag, deadline, inlineProgress());
  }

  @Override
  public List<byte[]> allGather(byte[] contribution) {
    Objects.requireNonNull(contribution, "contribution");
    return collective("allGather", d -> collectives.allGather(contribution, d));
  }

  @Override
  public byte[] broadcast(int root, byte[] message) {
    checkPeer(root, "broadcast root");
    if (root == rank && message == null) {
      throw new IllegalArgumentException(
          "the broadcast root (rank " + root + ") passed no message");
    }
    return collective("broadcast from rank " + root, d -> collectives.broadcast(root, message, d));
  }

  @Override
  public void barrier() {
    collective(
        "barrier",
        d -> {
          collectives.barrier(d);
          return null;
        });
  }

  @Override
  public void groupBarrier(int... ranks) {
    int[] members = checkGroup(ranks);
    collective(
        "groupBarrier " + Arrays.toString(members),
        r -> Arrays.binarySearch(members, r) >= 0,
        d -> {
          collectives.groupBarrier(members, d);
          return null;
        });
  }

  @Override
  public List<byte[]> allToAll(List<byte[]> messages) {
    Objects.requireNonNull(messages, "messages");
    if (messages.size() != size) {
      throw new IllegalArgumentException(
          "allToAll needs one message per rank: " + size + ", got " + messages.size());
    }
    for (int i = 0; i < size; i++) {
      if (messages.get(i) == null) {
        throw new IllegalArgumentException("allToAll message for rank " + i + " is null");
      }
    }
    return collective("allToAll", d -> collectives.allToAll(messages, d));
  }

  /** A collective body, given the deadline of the whole operation. */
  protected interface CollectiveBody<T> {
    T run(Deadline deadline);
  }

  /**
   * Runs a collective: one at a time on this instance, in call order, within the timeout. Backends
   * that override a collective with a native form call this too.
   */
  protected final <T> T collective(String name, CollectiveBody<T> body) {
    return collective(name, r -> true, body);
  }

  /**
   * Runs a collective among the ranks {@code members} accepts: it fails with {@code PEER_LOST} at
   * once if one of them has died, or as soon as one dies while it runs.
   */
  protected final <T> T collective(
      String name, java.util.function.IntPredicate members, CollectiveBody<T> body) {
    Deadline deadline = Deadline.after(timeout, name + " on rank " + rank);
    mailbox.checkSendable(rank, name);
    BootstrapException dead = mailbox.deathAmong(members);
    if (dead != null) {
      throw new BootstrapException(
          dead.code(), dead.getMessage() + " (in " + name + ")", dead.ranks(), dead);
    }
    boolean locked;
    try {
      locked = collectiveLock.tryLock(deadline.nanosLeft(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BootstrapException(Code.CLOSED, "interrupted before " + deadline.operation());
    }
    if (!locked) {
      throw deadline.timeoutError(
          List.of(),
          size,
          "an earlier collective on this rank, in another thread, is still running");
    }
    try {
      involved = members;
      return body.run(deadline);
    } finally {
      collectiveLock.unlock();
    }
  }

  /** Validates a peer index. */
  protected final void checkPeer(int peer, String what) {
    if (peer < 0 || peer >= size) {
      throw new IllegalArgumentException(
          what + ": rank " + peer + " is outside 0.." + (size - 1) + " (group of " + size + ")");
    }
  }

  private static void checkTag(int tag) {
    if (tag < 0) {
      throw new IllegalArgumentException(
          "tag " + tag + " is negative; user tags are 0.." + Integer.MAX_VALUE);
    }
  }

  private int[] checkGroup(int[] ranks) {
    Objects.requireNonNull(ranks, "ranks");
    if (ranks.length == 0) {
      throw new IllegalArgumentException("groupBarrier needs at least one rank");
    }
    int[] sorted = ranks.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      checkPeer(sorted[i], "groupBarrier");
      if (i > 0 && sorted[i] == sorted[i - 1]) {
        throw new IllegalArgumentException(
            "groupBarrier lists rank " + sorted[i] + " twice: " + Arrays.toString(ranks));
      }
    }
    if (Arrays.binarySearch(sorted, rank) < 0) {
      throw new IllegalArgumentException(
          "rank " + rank + " called groupBarrier " + Arrays.toString(ranks) + " but is not in it");
    }
    return sorted;
  }

  /** Whether {@link #close} has been called. */
  protected final boolean isClosed() {
    return closed.get();
  }

  @Override
  public final void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    mailbox.fail(
        new BootstrapException(
            Code.CLOSED, "rank " + rank + " of " + size + " on " + where + " is closed"));
    try {
      release();
    } catch (RuntimeException e) {
      log.warn("closing rank {} of {} on {}: {}", rank, size, where, e.toString(), e);
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[rank " + rank + " of " + size + " on " + where + "]";
  }
}
