package io.muster.tcp;

import io.muster.spi.Deadline;
import java.net.InetSocketAddress;

/**
 * How ranks of a TCP-carried group find each other: the coordinator of {@code tcp://}, or a
 * backend's own service. {@code TcpBootstrap.open(Rendezvous, …)} runs it once the rank listens.
 */
@FunctionalInterface
public interface Rendezvous {

  /**
   * Publishes this rank's listening address and returns once every rank has joined.
   *
   * @param rank the rank asked for, or -1 to have one assigned (where the service can)
   * @param size the group's size
   * @param listening where this rank accepts connections from its peers
   * @throws io.muster.BootstrapException {@code CONFIG} on conflicts, {@code TIMEOUT} naming the
   *     missing ranks, {@code UNAVAILABLE} when the service cannot be reached
   */
  Membership join(int rank, int size, InetSocketAddress listening, Deadline deadline);
}
