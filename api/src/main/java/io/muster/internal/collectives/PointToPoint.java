package io.muster.internal.collectives;

import io.muster.spi.Deadline;

/**
 * The point-to-point messages the collectives are built on; tags here may be internal (negative).
 */
public interface PointToPoint {
  int rank();

  int size();

  /** Sends without waiting for the receiver; the caller does not change {@code message} after. */
  void send(int peer, int tag, byte[] message);

  /** Receives one message; fails at once if a rank the current collective needs has died. */
  byte[] recv(int peer, int tag, Deadline deadline);
}
