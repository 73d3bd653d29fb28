package io.muster.communicator;

/**
 * A one-to-one link from this rank to {@link #remoteRank()} over one {@link Transport}, made by
 * {@link Communicator#connect}. It writes local memory into the peer's registered memory; a {@link
 * Semaphore} built on it tells the peer that the writes before the signal have landed. Thread-safe.
 * Instances come from a {@link Communicator}; do not implement this interface.
 */
public interface Connection {
  /** The transport this connection uses. */
  Transport transport();

  /** The rank at the other end. */
  int remoteRank();

  /** The tag the connection was set up on. */
  int tag();

  /**
   * Copies {@code length} bytes of local memory {@code src}, from {@code srcOffset}, into the
   * peer's memory {@code dst} at {@code dstOffset}. The write may still be in flight when this
   * returns (see {@link #flush()}); a semaphore signal on this connection reaches the peer after
   * it. {@code src} may be changed as soon as this returns.
   *
   * @throws IndexOutOfBoundsException if either range runs outside its registered region
   * @throws IllegalArgumentException if {@code dst} is not memory of the peer registered for this
   *     transport, or {@code src} is not local host (or, for CUDA IPC, device) memory
   * @throws io.muster.BootstrapException {@code PEER_LOST} once the peer has gone, {@code CLOSED}
   *     once the communicator is closed
   */
  void write(
      RegisteredMemory dst, long dstOffset, RegisteredMemory src, long srcOffset, long length);

  /**
   * Waits until every earlier write on this connection has completed on this side (its bytes have
   * left {@code src}: copied into shared memory, handed to the socket, or, for CUDA, the copy has
   * finished on the device), and reports a failure of the connection.
   */
  void flush();
}
