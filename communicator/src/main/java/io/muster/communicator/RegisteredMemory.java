package io.muster.communicator;

import java.util.Set;

/**
 * A region of memory that connections can write into: local (registered here with {@link
 * Communicator#registerMemory}) or remote (a handle received with {@link Communicator#recvMemory}).
 * A remote handle names its owner's memory; it cannot be read here, only written through a {@link
 * Connection} to its owner. Instances come from a {@link Communicator}; do not implement this
 * interface.
 */
public interface RegisteredMemory {
  /** The rank that owns the memory. */
  int rank();

  /** Whether the memory belongs to this process (it was registered here). */
  boolean isLocal();

  /** The region's length in bytes. */
  long size();

  /** The transports a connection may use to write into it. */
  Set<Transport> transports();
}
