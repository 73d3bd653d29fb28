package io.muster.internal.collectives;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.nio.ByteBuffer;

/**
 * The wire form of a set of numbered blocks, as the collectives exchange them: {@code [count] then
 * (index, length) per block, then the bytes}, or, for large sets, the header alone with each block
 * following as a message of its own so nothing large is ever concatenated.
 */
final class Blocks {
  /** Above this many bytes a set's blocks travel as separate messages. */
  static final int INLINE_LIMIT = 64 * 1024;

  private static final byte INLINE = 0;
  private static final byte SEPARATE = 1;

  private Blocks() {}

  /** Sends the blocks of {@code indices} (taken from {@code blocks}) to {@code peer}. */
  static void send(PointToPoint p2p, int peer, int tag, byte[][] blocks, int[] indices) {
    long total = 0;
    for (int i : indices) {
      total += blocks[i].length;
    }
    boolean inline = total <= INLINE_LIMIT;
    int headerLength = 1 + 4 + 8 * indices.length;
    ByteBuffer out = ByteBuffer.allocate(headerLength + (inline ? (int) total : 0));
    out.put(inline ? INLINE : SEPARATE).putInt(indices.length);
    for (int i : indices) {
      out.putInt(i).putInt(blocks[i].length);
    }
    if (inline) {
      for (int i : indices) {
        out.put(blocks[i]);
      }
    }
    p2p.send(peer, tag, out.array());
    if (!inline) {
      for (int i : indices) {
        p2p.send(peer, tag, blocks[i]);
      }
    }
  }

  /** Receives a set of blocks from {@code peer} and stores them into {@code blocks}. */
  static void recv(
      PointToPoint p2p, int peer, int tag, byte[][] blocks, io.muster.spi.Deadline deadline) {
    ByteBuffer in = ByteBuffer.wrap(p2p.recv(peer, tag, deadline));
    try {
      boolean inline = in.get() == INLINE;
      int count = in.getInt();
      if (count < 0 || count > blocks.length) {
        throw corrupt(peer, "block count " + count);
      }
      int[] index = new int[count];
      int[] length = new int[count];
      for (int k = 0; k < count; k++) {
        index[k] = in.getInt();
        length[k] = in.getInt();
        if (index[k] < 0 || index[k] >= blocks.length || length[k] < 0) {
          throw corrupt(peer, "block " + index[k] + " of length " + length[k]);
        }
      }
      for (int k = 0; k < count; k++) {
        byte[] b;
        if (inline) {
          b = new byte[length[k]];
          in.get(b);
        } else {
          b = p2p.recv(peer, tag, deadline);
          if (b.length != length[k]) {
            throw corrupt(
                peer, "block " + index[k] + " has " + b.length + " bytes, not " + length[k]);
          }
        }
        blocks[index[k]] = b;
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw corrupt(peer, "a truncated block set");
    }
  }

  private static BootstrapException corrupt(int peer, String what) {
    return new BootstrapException(
        Code.PROTOCOL,
        "corrupt collective message from rank "
            + peer
            + ": "
            + what
            + "; are all ranks running the same Muster version and calling the same collectives"
            + " in the same order?",
        java.util.List.of(peer));
  }
}
