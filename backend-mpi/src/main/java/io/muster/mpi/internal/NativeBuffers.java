package io.muster.mpi.internal;

import com.sun.jna.Memory;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Native memory for messages, with the last few large blocks kept for reuse. Every message passes
 * through native memory on each side (MPI may touch it until the operation completes, and a Java
 * array can move), and a fresh block of many megabytes costs a page fault per 4 KiB on first use,
 * as much as the copy itself; a ping-pong of large messages reuses the same blocks instead.
 */
final class NativeBuffers {
  /** Blocks below this are cheap to allocate and are not kept. */
  static final long KEEP_FROM = 256 * 1024;

  private static final int MAX_KEPT = 4;
  private static final long MAX_KEPT_BYTES = 512L << 20;

  private final ArrayDeque<Memory> kept = new ArrayDeque<>(); // guarded by this
  private long keptBytes; // guarded by this
  private boolean closed; // guarded by this

  /** A block of at least {@code bytes} (at least one byte: MPI needs an address). */
  Memory take(long bytes) {
    long want = Math.max(1, bytes);
    if (want >= KEEP_FROM) {
      synchronized (this) {
        Memory best = null;
        for (Memory m : kept) {
          // the smallest block that fits, and not one far larger than needed
          if (m.size() >= want
              && m.size() <= 2 * want
              && (best == null || m.size() < best.size())) {
            best = m;
          }
        }
        if (best != null) {
          kept.remove(best);
          keptBytes -= best.size();
          return best;
        }
      }
    }
    return new Memory(want);
  }

  /** Gives a block back: kept if large and there is room, else freed. */
  void give(Memory m) {
    if (m.size() >= KEEP_FROM && m.size() <= MAX_KEPT_BYTES) {
      synchronized (this) {
        if (closed) {
          m.close();
          return;
        }
        while (kept.size() >= MAX_KEPT || keptBytes + m.size() > MAX_KEPT_BYTES) {
          Memory oldest = kept.pollFirst();
          if (oldest == null) {
            break;
          }
          keptBytes -= oldest.size();
          oldest.close();
        }
        if (keptBytes + m.size() <= MAX_KEPT_BYTES) {
          kept.addLast(m);
          keptBytes += m.size();
          return;
        }
      }
    }
    m.close();
  }

  /** Frees every kept block; blocks given back later are freed at once. */
  synchronized void clear() {
    closed = true;
    for (Iterator<Memory> it = kept.iterator(); it.hasNext(); ) {
      it.next().close();
      it.remove();
    }
    keptBytes = 0;
  }
}
