package io.muster.spi;

/**
 * Lets a receiver that spins while it waits do the transport's I/O itself, so a message reaches its
 * caller without a hand-off between threads (each wake-up of a sleeping thread costs tens of
 * microseconds).
 */
public interface InlineProgress {

  /**
   * Called repeatedly while a receiver spins for a message from {@code peer}: reads what the
   * network has and delivers it to the mailbox. Must not block.
   *
   * @return whether anything was delivered
   */
  boolean poll(int peer);

  /**
   * Called once when that receiver stops spinning.
   *
   * @param stillWaiting true when the receiver will now park and relies on the transport to deliver
   *     without it; false when it got its message (or failed)
   */
  default void stopPolling(int peer, boolean stillWaiting) {}
}
