package io.muster.zookeeper.internal;

import io.muster.spi.Deadline;
import io.muster.tcp.Membership;
import io.muster.tcp.Rendezvous;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Ranks of a {@code zk://} job find each other under its job node: each connects its own ZooKeeper
 * session, registers an ephemeral node named after its rank and address, and waits (on watches)
 * until every rank's node is there. See {@link Gathering} for the protocol.
 */
public final class ZkRendezvous implements Rendezvous {
  /** How long a failed open may spend removing what it wrote. */
  private static final long ABANDON_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Settings settings;

  public ZkRendezvous(Settings settings) {
    this.settings = settings;
  }

  @Override
  public Membership join(int rank, int size, InetSocketAddress listening, Deadline deadline) {
    ZkSession session = ZkSession.connect(settings, deadline);
    Gathering gathering = new Gathering(settings, session, rank, size, listening, deadline);
    try {
      return gathering.run();
    } catch (RuntimeException | Error e) {
      boolean interrupted = Thread.interrupted(); // clean up regardless; restored below
      try {
        gathering.abandon(System.nanoTime() + ABANDON_NANOS);
      } finally {
        session.close();
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      throw e;
    }
  }
}
