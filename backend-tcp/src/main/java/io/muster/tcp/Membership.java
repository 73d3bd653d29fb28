package io.muster.tcp;

import io.muster.BootstrapException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a rank knows of its group once it has joined, as a {@link Rendezvous} keeps it: its place,
 * the addresses it was given up front, a way to look up the others, and news of ranks that die or
 * leave. Backends that find each other through a service (Redis, ZooKeeper, MPI) implement it; the
 * TCP transport then carries the messages.
 */
public interface Membership {

  /** Hears about other ranks. Calls may come from any thread. */
  interface Listener {
    /** {@code rank} died or became unreachable. */
    void lost(int rank, String why);

    /** {@code rank} closed its bootstrap on purpose. */
    void left(int rank);

    /**
     * This rank itself dropped out of the group (its session with the service ended, so the others
     * now count it as lost): every pending and later operation fails with {@code cause}.
     */
    default void failed(BootstrapException cause) {}
  }

  /** This rank. */
  int rank();

  /** The group's size. */
  int size();

  /** Addresses known up front (at least the neighbourhood the collectives use); may be all. */
  Map<Integer, InetSocketAddress> addresses();

  /**
   * Finds {@code rank}'s listening address; {@code then} gets {@code null} when it cannot be known
   * (the rank left, or the service is gone). {@code then} may run on any thread but must not be
   * called while holding locks of the caller.
   */
  void lookup(int rank, Consumer<InetSocketAddress> then);

  /** Where news about other ranks goes from now on. */
  void listen(Listener listener);

  /** Leaves on purpose, telling the others; bounded by {@code nanos}. */
  void leave(long nanos);

  /** Drops out at once, as a dying process would (tests), or after a failed open. */
  void abort();

  /**
   * How many ranks of the group run on this host (this one included), when known; receivers stop
   * spinning when they outnumber the cores.
   */
  default int ranksOnThisHost() {
    return 1;
  }

  /** Sockets this membership holds open (counted in {@link TcpBootstrap#sockets()}). */
  default int sockets() {
    return 0;
  }
}
