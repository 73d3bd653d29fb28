package io.muster.communicator.internal;

import java.io.DataInputStream;
import java.io.IOException;

/**
 * One side of a semaphore being built: which connection it belongs to (both ends know the pair id),
 * and where the peer's signals go (a counter slot, or a TCP semaphore id).
 */
final class SemaphoreDescriptor {
  final long pairId;
  final int index;

  SemaphoreDescriptor(long pairId, int index) {
    this.pairId = pairId;
    this.index = index;
  }

  byte[] encode() {
    return Wire.encode(
        Wire.Kind.SEMAPHORE,
        out -> {
          out.writeLong(pairId);
          out.writeInt(index);
        });
  }

  static SemaphoreDescriptor decode(byte[] message, int peer, int tag) {
    return Wire.decode(message, Wire.Kind.SEMAPHORE, peer, tag, SemaphoreDescriptor::read);
  }

  private static SemaphoreDescriptor read(DataInputStream in) throws IOException {
    return new SemaphoreDescriptor(in.readLong(), in.readInt());
  }
}
