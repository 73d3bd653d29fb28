package io.muster.communicator.internal;

/**
 * A connection between {@code connect} and the arrival of the peer's endpoint: what this side has
 * set up (a listener, a mapped control block) and how to finish or undo it.
 */
public interface PendingConnection {
  /** This side's endpoint, to send to the peer. */
  EndpointDescriptor local();

  /** Finishes the connection with the peer's endpoint; may block (a TCP accept or dial). */
  AbstractConnection complete(EndpointDescriptor remote);

  /** Releases what was set up, if the connection is not made; idempotent. */
  void abandon();
}
