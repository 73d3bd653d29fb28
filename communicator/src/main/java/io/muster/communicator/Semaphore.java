package io.muster.communicator;

import java.time.Duration;

/**
 * A pair of counters between the two ends of a {@link Connection}: {@link #signal()} adds one to
 * the peer's counter, {@link #wait(Duration)} takes one from this side's, waiting for it. A signal
 * follows the connection's earlier writes, so once {@code wait} returns the peer's writes before
 * its matching signal are visible here. Thread-safe; each signal releases exactly one wait.
 * Instances come from {@link Communicator#buildSemaphore}; do not implement this interface.
 */
public interface Semaphore {
  /** The connection this semaphore belongs to. */
  Connection connection();

  /** Tells the peer one more time that the writes before this call have landed. */
  void signal();

  /**
   * Waits for the next signal from the peer that no earlier wait has taken.
   *
   * @throws io.muster.BootstrapException {@code TIMEOUT} after {@code timeout}, {@code PEER_LOST}
   *     if the peer closed or died, {@code CLOSED} if this communicator closed or the thread was
   *     interrupted (its interrupt flag stays set)
   */
  void wait(Duration timeout);
}
