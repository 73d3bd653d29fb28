package io.muster.internal.collectives;

import io.muster.spi.Deadline;
import java.util.Arrays;
import java.util.List;

/**
 * The collectives, written once over point-to-point messages on internal (negative) tags, so they
 * never touch user messages. Every rank concerned runs the same steps in the same order, so the
 * FIFO order of each (sender, receiver, tag) is enough to match messages.
 *
 * <p>The exchanges follow the hypercube (partner {@code rank ^ 2^k}), folding the ranks beyond the
 * largest power of two onto it: barrier and allGather need {@code log2 N} rounds and each rank
 * talks to at most {@code ⌈log2 N⌉ + 1} peers, so no full mesh of connections is ever built.
 */
public final class Collectives {
  public static final int BARRIER = -1;
  public static final int ALL_GATHER = -2;
  public static final int BROADCAST = -3;
  public static final int ALL_TO_ALL = -4;
  public static final int GROUP_BARRIER = -5;

  /** Broadcasts above this size are scattered down the tree and all-gathered round a ring. */
  static final int LARGE_BROADCAST = 512 * 1024;

  /** Up to this many ranks, allToAll sends every message directly; beyond, Bruck's log rounds. */
  static final int DIRECT_ALL_TO_ALL = 8;

  private static final byte[] EMPTY = new byte[0];
  private static final byte SMALL = 0;
  private static final byte LARGE = 1;

  private final PointToPoint p2p;
  private final int rank;
  private final int size;
  private int[] everyone;

  public Collectives(PointToPoint p2p) {
    this.p2p = p2p;
    this.rank = p2p.rank();
    this.size = p2p.size();
  }

  /** Recursive-doubling barrier among all ranks. */
  public void barrier(Deadline deadline) {
    if (everyone == null) {
      int[] all = new int[size];
      Arrays.setAll(all, i -> i);
      everyone = all;
    }
    barrierAmong(everyone, rank, BARRIER, deadline);
  }

  /** A barrier among {@code members} (sorted, distinct, containing this rank). */
  public void groupBarrier(int[] members, Deadline deadline) {
    barrierAmong(members, Arrays.binarySearch(members, rank), GROUP_BARRIER, deadline);
  }

  private void barrierAmong(int[] members, int me, int tag, Deadline deadline) {
    int n = members.length;
    if (n == 1) {
      return;
    }
    int p2 = Integer.highestOneBit(n);
    int extra = n - p2;
    if (me >= p2) {
      int partner = members[me - p2];
      p2p.send(partner, tag, EMPTY);
      p2p.recv(partner, tag, deadline);
      return;
    }
    if (me < extra) {
      p2p.recv(members[me + p2], tag, deadline);
    }
    for (int mask = 1; mask < p2; mask <<= 1) {
      int partner = members[me ^ mask];
      p2p.send(partner, tag, EMPTY);
      p2p.recv(partner, tag, deadline);
    }
    if (me < extra) {
      p2p.send(members[me + p2], tag, EMPTY);
    }
  }

  /**
   * Recursive-doubling allGather. Each rank sends {@code N-1} blocks in all, as little as a ring
   * does, in {@code log2 N} rounds; large block sets travel as separate messages.
   */
  public List<byte[]> allGather(byte[] mine, Deadline deadline) {
    byte[][] blocks = new byte[size][];
    blocks[rank] = mine;
    if (size > 1) {
      int p2 = Integer.highestOneBit(size);
      int extra = size - p2;
      if (rank >= p2) {
        int partner = rank - p2;
        p2p.send(partner, ALL_GATHER, mine);
        Blocks.recv(p2p, partner, ALL_GATHER, blocks, deadline);
      } else {
        if (rank < extra) {
          blocks[rank + p2] = p2p.recv(rank + p2, ALL_GATHER, deadline);
        }
        for (int mask = 1; mask < p2; mask <<= 1) {
          int partner = rank ^ mask;
          Blocks.send(p2p, partner, ALL_GATHER, blocks, held(rank & ~(mask - 1), mask, p2, extra));
          Blocks.recv(p2p, partner, ALL_GATHER, blocks, deadline);
        }
        if (rank < extra) {
          Blocks.send(p2p, rank + p2, ALL_GATHER, blocks, allBut(rank + p2));
        }
      }
    }
    blocks[rank] = mine.clone();
    return List.of(blocks);
  }

  /** The blocks a hypercube rank holds after the rounds below {@code mask}: its subcube's. */
  private static int[] held(int base, int mask, int p2, int extra) {
    int count = mask;
    for (int v = base; v < base + mask; v++) {
      if (v < extra) {
        count++;
      }
    }
    int[] out = new int[count];
    int k = 0;
    for (int v = base; v < base + mask; v++) {
      out[k++] = v;
      if (v < extra) {
        out[k++] = v + p2;
      }
    }
    return out;
  }

  private int[] allBut(int skip) {
    int[] out = new int[size - 1];
    for (int i = 0, k = 0; i < size; i++) {
      if (i != skip) {
        out[k++] = i;
      }
    }
    return out;
  }

  /**
   * Binomial-tree broadcast; above {@link #LARGE_BROADCAST} bytes the root scatters the message
   * down the tree and the ranks all-gather the pieces round a ring, so the root sends it once
   * rather than {@code log2 N} times. The root's first byte tells the others which form follows.
   */
  public byte[] broadcast(int root, byte[] message, Deadline deadline) {
    if (size == 1) {
      return message.clone();
    }
    int vr = Math.floorMod(rank - root, size);
    byte[] framed;
    if (vr == 0) {
      if (message.length > LARGE_BROADCAST && size > 2) {
        return scatterRing(root, vr, message, deadline);
      }
      framed = new byte[message.length + 1];
      framed[0] = SMALL;
      System.arraycopy(message, 0, framed, 1, message.length);
    } else {
      framed = p2p.recv(real(parentOf(vr), root), BROADCAST, deadline);
      if (framed.length > 0 && framed[0] == LARGE) {
        return scatterRing(root, vr, framed, deadline);
      }
    }
    for (int mask = subtreeMask(vr) >> 1; mask > 0; mask >>= 1) {
      if (vr + mask < size) {
        p2p.send(real(vr + mask, root), BROADCAST, framed);
      }
    }
    return Arrays.copyOfRange(framed, 1, framed.length);
  }

  private byte[] scatterRing(int root, int vr, byte[] received, Deadline deadline) {
    byte[] result;
    if (vr == 0) {
      result = received.clone();
    } else {
      java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(received);
      in.get();
      int length = in.getInt();
      result = new byte[length];
      int from = chunkStart(vr, length);
      in.get(result, from, Math.min(in.remaining(), length - from));
    }
    int length = result.length;
    for (int mask = subtreeMask(vr) >> 1; mask > 0; mask >>= 1) {
      int child = vr + mask;
      if (child < size) {
        int from = chunkStart(child, length);
        int to = chunkStart(Math.min(child + mask, size), length);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(5 + to - from);
        out.put(LARGE).putInt(length).put(result, from, to - from);
        p2p.send(real(child, root), BROADCAST, out.array());
      }
    }
    int right = real((vr + 1) % size, root);
    int left = real((vr - 1 + size) % size, root);
    for (int step = 0; step < size - 1; step++) {
      int out = Math.floorMod(vr - step, size);
      int in = Math.floorMod(vr - step - 1, size);
      p2p.send(
          right,
          BROADCAST,
          Arrays.copyOfRange(result, chunkStart(out, length), chunkStart(out + 1, length)));
      byte[] chunk = p2p.recv(left, BROADCAST, deadline);
      int at = chunkStart(in, length);
      if (chunk.length != chunkStart(in + 1, length) - at) {
        throw new io.muster.BootstrapException(
            io.muster.BootstrapException.Code.PROTOCOL,
            "broadcast piece " + in + " from rank " + left + " has the wrong length",
            List.of(left));
      }
      System.arraycopy(chunk, 0, result, at, chunk.length);
    }
    return result;
  }

  private int chunkStart(int piece, int length) {
    return (int) ((long) length * piece / size);
  }

  /** The mask of the lowest set bit of {@code vr} (the root's: the next power of two ≥ size). */
  private int subtreeMask(int vr) {
    return vr == 0 ? Integer.highestOneBit(size - 1) << 1 : Integer.lowestOneBit(vr);
  }

  private static int parentOf(int vr) {
    return vr - Integer.lowestOneBit(vr);
  }

  private int real(int vr, int root) {
    return (vr + root) % size;
  }

  /**
   * allToAll: every message sent directly for small groups, Bruck's algorithm ({@code log2 N}
   * rounds, partners at distance {@code 2^k}) beyond {@link #DIRECT_ALL_TO_ALL} ranks.
   */
  public List<byte[]> allToAll(List<byte[]> messages, Deadline deadline) {
    byte[][] out = new byte[size][];
    if (size <= DIRECT_ALL_TO_ALL) {
      for (int s = 1; s < size; s++) {
        int to = (rank + s) % size;
        p2p.send(to, ALL_TO_ALL, messages.get(to));
      }
      for (int s = 1; s < size; s++) {
        int from = Math.floorMod(rank - s, size);
        out[from] = p2p.recv(from, ALL_TO_ALL, deadline);
      }
    } else {
      byte[][] rotated = new byte[size][];
      for (int i = 0; i < size; i++) {
        rotated[i] = messages.get((rank + i) % size);
      }
      for (int mask = 1; mask < size; mask <<= 1) {
        int count = 0;
        for (int i = 0; i < size; i++) {
          if ((i & mask) != 0) {
            count++;
          }
        }
        int[] indices = new int[count];
        for (int i = 0, k = 0; i < size; i++) {
          if ((i & mask) != 0) {
            indices[k++] = i;
          }
        }
        Blocks.send(p2p, (rank + mask) % size, ALL_TO_ALL, rotated, indices);
        Blocks.recv(p2p, Math.floorMod(rank - mask, size), ALL_TO_ALL, rotated, deadline);
      }
      for (int i = 1; i < size; i++) {
        out[Math.floorMod(rank - i, size)] = rotated[i];
      }
    }
    out[rank] = messages.get(rank).clone();
    return List.of(out);
  }
}
