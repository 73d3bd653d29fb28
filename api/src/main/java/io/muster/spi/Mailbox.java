package io.muster.spi;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The receive side of one rank: messages that arrived, matched to receivers by (peer, tag) in
 * arrival order, and the failures that end waiting. Transports {@link #deliver} what they read;
 * receivers {@link #take} it, spinning briefly and then parking. A peer's loss or the rank's close
 * wakes every receiver it concerns; messages that arrived before a loss are still handed out.
 */
public final class Mailbox {
  private final int rank;
  private final int size;
  private final ConcurrentHashMap<Long, Slot> slots = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<BootstrapException> lost;

  /** Ranks that died (not those that closed on purpose), in the order heard. */
  private final java.util.concurrent.CopyOnWriteArrayList<BootstrapException> deaths =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Set<Thread> parked = ConcurrentHashMap.newKeySet();
  private volatile BootstrapException failure;
  private volatile boolean spin = true;

  /** Messages of one (peer, tag), and how many receivers are using the slot. */
  private static final class Slot {
    final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    final List<Thread> waiters = new ArrayList<>(1);
    volatile int available;
    int users;
    boolean retired;
  }

  public Mailbox(int rank, int size) {
    this.rank = rank;
    this.size = size;
    this.lost = new AtomicReferenceArray<>(size);
  }

  private static long key(int peer, int tag) {
    return ((long) peer << 32) | (tag & 0xFFFFFFFFL);
  }

  /** Hands a message from {@code peer} on {@code tag} to its receiver; the array is kept as is. */
  public void deliver(int peer, int tag, byte[] message) {
    long key = key(peer, tag);
    while (true) {
      Slot s = slots.computeIfAbsent(key, k -> new Slot());
      Thread[] wake;
      synchronized (s) {
        if (s.retired) {
          continue;
        }
        s.queue.addLast(message);
        s.available = s.queue.size();
        wake = s.waiters.isEmpty() ? null : s.waiters.toArray(new Thread[0]);
      }
      if (wake != null) {
        for (Thread t : wake) {
          LockSupport.unpark(t);
        }
      }
      return;
    }
  }

  /**
   * Waits for the next message from {@code peer} on {@code tag}.
   *
   * @param progress I/O to do while spinning, or {@code null}
   * @throws BootstrapException {@code TIMEOUT} at the deadline, {@code PEER_LOST} once the peer is
   *     lost and nothing of it is left, {@code CLOSED} when this rank closes
   */
  public byte[] take(int peer, int tag, Deadline deadline, InlineProgress progress) {
    return take(peer, tag, deadline, progress, null);
  }

  /**
   * Like {@link #take(int, int, Deadline, InlineProgress)}, for a step of a collective: it also
   * fails, with {@code PEER_LOST}, as soon as any rank in {@code involved} dies, since the
   * collective cannot complete without it.
   *
   * @param involved the ranks the whole operation needs, or {@code null} for just {@code peer}
   */
  public byte[] take(
      int peer,
      int tag,
      Deadline deadline,
      InlineProgress progress,
      java.util.function.IntPredicate involved) {
    long key = key(peer, tag);
    Slot s = join(key);
    long budget = this.spin ? Spin.tryStart() : 0;
    boolean spinning = budget > 0;
    long spinEnd = System.nanoTime() + budget;
    Thread me = Thread.currentThread();
    try {
      int rounds = 0;
      while (true) {
        // The failures first, then the queue: a transport records a peer's loss only after
        // delivering everything the peer sent, so a loss seen here means its last messages are
        // already queued. Looked at the other way round, a message that arrived just before its
        // sender closed, between the two looks, was passed over for the loss that followed it.
        BootstrapException f = failureFor(peer);
        if (f == null && involved != null) {
          f = deathAmong(involved);
        }
        if (s.available > 0) {
          synchronized (s) {
            byte[] m = s.queue.pollFirst();
            if (m != null) {
              s.available = s.queue.size();
              return m;
            }
          }
        }
        if (f != null) {
          throw rethrow(f, deadline);
        }
        long now = System.nanoTime();
        if (now - deadline.endNanos() >= 0) {
          throw deadline.timeoutError(
              List.of(peer),
              size,
              "rank " + peer + " sent nothing on tag " + tag + "; check that it is running");
        }
        if (spinning) {
          if (now - spinEnd < 0) {
            if (progress == null || !progress.poll(peer)) {
              if ((++rounds & 63) == 0) {
                Thread.yield(); // let a co-scheduled sender run when cores are oversubscribed
              } else {
                Thread.onSpinWait();
              }
            }
            continue;
          }
          spinning = false;
          Spin.stop();
          if (progress != null) {
            progress.stopPolling(peer, true);
          }
          continue; // one more look before parking
        }
        synchronized (s) {
          if (s.available > 0) {
            continue;
          }
          s.waiters.add(me);
        }
        parked.add(me);
        try {
          if (failureFor(peer) == null && (involved == null || deathAmong(involved) == null)) {
            LockSupport.parkNanos(this, deadline.endNanos() - now);
          }
        } finally {
          parked.remove(me);
          synchronized (s) {
            s.waiters.remove(me);
          }
        }
        if (Thread.interrupted()) {
          me.interrupt();
          throw new BootstrapException(
              Code.CLOSED,
              "interrupted in "
                  + deadline.operation()
                  + " on rank "
                  + rank
                  + "; the bootstrap stays open, the message (if any) stays queued");
        }
      }
    } finally {
      if (spinning) {
        Spin.stop();
        if (progress != null) {
          progress.stopPolling(peer, false);
        }
      }
      leave(key, s);
    }
  }

  private Slot join(long key) {
    while (true) {
      Slot s = slots.computeIfAbsent(key, k -> new Slot());
      synchronized (s) {
        if (!s.retired) {
          s.users++;
          return s;
        }
      }
    }
  }

  private void leave(long key, Slot s) {
    synchronized (s) {
      if (--s.users == 0 && s.queue.isEmpty()) {
        s.retired = true;
        slots.remove(key, s);
      }
    }
  }

  private BootstrapException failureFor(int peer) {
    BootstrapException f = failure;
    if (f != null || peer == rank) {
      return f;
    }
    return lost.get(peer);
  }

  private static BootstrapException rethrow(BootstrapException f, Deadline deadline) {
    return new BootstrapException(
        f.code(), f.getMessage() + " (in " + deadline.operation() + ")", f.ranks(), f);
  }

  /**
   * Throws if a send to {@code peer} cannot succeed: this rank is closed or failed, or the peer is
   * lost.
   */
  public void checkSendable(int peer, String operation) {
    BootstrapException f = failureFor(peer);
    if (f != null) {
      throw new BootstrapException(
          f.code(), f.getMessage() + " (in " + operation + ")", f.ranks(), f);
    }
  }

  /**
   * Records that {@code peer} died (its process, or the network to it): receives from it fail once
   * its queued messages are taken, and so does every collective that needs it. The first cause
   * recorded for a peer wins.
   */
  public void peerLost(int peer, BootstrapException cause) {
    if (lost.compareAndSet(peer, null, cause)) {
      deaths.add(cause);
      wakeAll();
    }
  }

  /**
   * Records that {@code peer} closed its bootstrap on purpose: receives from it fail once its
   * queued messages are taken, but collectives it already finished its part of go on. Deliver
   * everything the peer sent first: a receiver that sees the loss takes only what is queued by
   * then.
   */
  public void peerLeft(int peer, BootstrapException cause) {
    if (lost.compareAndSet(peer, null, cause)) {
      wakeAll();
    }
  }

  /** The first death among {@code involved}, or {@code null}. */
  public BootstrapException deathAmong(java.util.function.IntPredicate involved) {
    for (BootstrapException d : deaths) {
      for (int r : d.ranks()) {
        if (involved.test(r)) {
          return d;
        }
      }
    }
    return null;
  }

  /** The recorded loss of {@code peer}, or {@code null}. */
  public BootstrapException lostCause(int peer) {
    return lost.get(peer);
  }

  /** Fails every current and later receive with {@code cause} (close, or a fatal error). */
  public void fail(BootstrapException cause) {
    if (failure == null) {
      failure = cause;
    }
    wakeAll();
  }

  /** The failure recorded by {@link #fail}, or {@code null}. */
  public BootstrapException failure() {
    return failure;
  }

  private void wakeAll() {
    for (Thread t : parked) {
      LockSupport.unpark(t);
    }
  }

  /**
   * Whether receivers may spin before they park. Spinning saves a wake-up only while the spinning
   * threads do not outnumber the cores; a backend that knows more ranks share this host than it has
   * cores turns it off.
   */
  public void spinWhileWaiting(boolean allowed) {
    this.spin = allowed;
  }

  /** Messages received but not yet taken (for diagnostics and leak checks). */
  public int pending() {
    int n = 0;
    for (Slot s : slots.values()) {
      n += s.available;
    }
    return n;
  }
}
