package io.muster.cli.demo;

import java.nio.ByteBuffer;

/**
 * One rank's measurements, in nanoseconds: how long {@code open} took, and the mean time per
 * operation of each timed phase.
 */
record Timings(long open, long allGather, long ring, long barrier) {
  static final int BYTES = 4 * Long.BYTES;

  byte[] encode() {
    return ByteBuffer.allocate(BYTES)
        .putLong(open)
        .putLong(allGather)
        .putLong(ring)
        .putLong(barrier)
        .array();
  }

  static Timings decode(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalStateException(
          "a rank's timings came back as " + bytes.length + " bytes instead of " + BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    return new Timings(b.getLong(), b.getLong(), b.getLong(), b.getLong());
  }

  /** The column-wise maximum: the slowest rank of each phase. */
  Timings max(Timings other) {
    return new Timings(
        Math.max(open, other.open),
        Math.max(allGather, other.allGather),
        Math.max(ring, other.ring),
        Math.max(barrier, other.barrier));
  }
}
