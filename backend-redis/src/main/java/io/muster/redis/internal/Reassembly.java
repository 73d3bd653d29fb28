package io.muster.redis.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Puts messages back together from their pieces, per sender, and drops pieces seen before: a send
 * retried after its connection broke may have reached Redis twice. Pieces are kept as they came
 * until the last one arrives, so a piece that claims a huge message allocates nothing for it. Used
 * by the one inbox reader thread only.
 */
final class Reassembly {
  private final Map<Integer, Sender> senders = new HashMap<>();

  /** What one sender has in flight and has completed. */
  private static final class Sender {
    final Map<Long, Partial> partial = new HashMap<>();
    long below; // every id below this one is complete
    final TreeSet<Long> completeAbove = new TreeSet<>();

    boolean complete(long id) {
      return id < below || completeAbove.contains(id);
    }

    void markComplete(long id) {
      completeAbove.add(id);
      while (completeAbove.remove(below)) {
        below++;
      }
    }
  }

  /** The pieces of one message so far. */
  private static final class Partial {
    final int tag;
    final int length;
    final List<byte[]> pieces = new ArrayList<>();

    Partial(int tag, int length) {
      this.tag = tag;
      this.length = length;
    }
  }

  /**
   * Takes one piece; returns the whole message once its last piece arrived, else {@code null}.
   *
   * @throws IllegalArgumentException for a piece out of order (the message is dropped)
   */
  byte[] accept(Envelope e) {
    Sender s = senders.computeIfAbsent(e.from, k -> new Sender());
    if (s.complete(e.id)) {
      return null; // a duplicate of a message already delivered
    }
    Partial p = s.partial.get(e.id);
    int have = p == null ? 0 : p.pieces.size();
    if (e.piece < have) {
      return null; // a duplicate piece
    }
    if (e.piece > have || (p != null && (p.tag != e.tag || p.length != e.length))) {
      s.partial.remove(e.id);
      throw new IllegalArgumentException(
          "piece "
              + e.piece
              + " of message "
              + e.id
              + " from rank "
              + e.from
              + " does not follow the "
              + have
              + " pieces before it");
    }
    if (e.pieces == 1) {
      s.markComplete(e.id);
      byte[] m = new byte[e.length];
      System.arraycopy(e.entry, Envelope.HEADER, m, 0, e.length);
      return m;
    }
    if (p == null) {
      p = new Partial(e.tag, e.length);
      s.partial.put(e.id, p);
    }
    p.pieces.add(e.entry);
    if (p.pieces.size() < e.pieces) {
      return null;
    }
    s.partial.remove(e.id);
    s.markComplete(e.id);
    byte[] m = new byte[e.length];
    int at = 0;
    for (byte[] piece : p.pieces) {
      int n = piece.length - Envelope.HEADER;
      System.arraycopy(piece, Envelope.HEADER, m, at, n);
      at += n;
    }
    return m;
  }

  /** Messages still missing pieces (for diagnostics). */
  int incomplete() {
    int n = 0;
    for (Sender s : senders.values()) {
      n += s.partial.size();
    }
    return n;
  }
}
