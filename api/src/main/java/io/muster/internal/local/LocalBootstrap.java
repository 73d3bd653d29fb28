package io.muster.internal.local;

import io.muster.BootstrapException;
import io.muster.spi.MessagingBootstrap;
import java.time.Duration;

/** A rank of a {@code local:} group: a send is a copy into the receiver's mailbox. */
final class LocalBootstrap extends MessagingBootstrap {
  private final LocalGroup group;

  LocalBootstrap(LocalGroup group, int rank, int size, Duration timeout) {
    super(rank, size, timeout, "local:" + group.name());
    this.group = group;
  }

  @Override
  protected void transmit(int peer, int tag, byte[] message) {
    group.member(peer).mailbox().deliver(rank(), tag, message.clone());
  }

  void peerLeft(int peer, BootstrapException cause) {
    mailbox().peerLeft(peer, cause);
  }

  @Override
  protected void release() {
    group.left(rank());
  }
}
