package io.muster;

import io.muster.internal.Opener;
import java.time.Duration;
import java.util.List;

/**
 * A group of {@link #size()} ranks that have found each other and can exchange messages.
 *
 * <p>Open one with a URI whose scheme picks the backend ({@code tcp://}, {@code redis://}, {@code
 * zk://}, {@code mpi:}, {@code local:}, {@code env:}); {@code open} returns once every rank has
 * joined. Every method is thread-safe; collectives must be called by every rank concerned, in the
 * same order. Every blocking call ends within the URI's {@code timeout} (default 5 minutes) with a
 * {@link BootstrapException} naming the ranks it was waiting for.
 *
 * <pre>{@code
 * try (Bootstrap group = Bootstrap.open("tcp://10.0.0.1:29500?size=8&rank=" + rank)) {
 *   List<byte[]> addresses = group.allGather(myAddress);
 *   group.barrier();
 * }
 * }</pre>
 */
public interface Bootstrap extends AutoCloseable {

  /**
   * Joins the group the URI describes, with rank and size from the URI ({@code rank=}, {@code
   * size=}) or the environment ({@code MUSTER_RANK}/{@code MUSTER_SIZE}, torchrun, Open MPI, PMI,
   * Slurm).
   */
  static Bootstrap open(String uri) {
    return Opener.open(uri, Opener.UNSET, Opener.UNSET, System::getenv);
  }

  /**
   * Joins the group the URI describes as {@code rank} of {@code size}. A rank of {@code -1} lets
   * the backend assign one, where it can.
   */
  static Bootstrap open(String uri, int rank, int size) {
    if (rank < -1) {
      throw new IllegalArgumentException("rank must be -1 (assign) or 0..size-1, got " + rank);
    }
    if (size < 1) {
      throw new IllegalArgumentException("size must be at least 1, got " + size);
    }
    if (rank >= size) {
      throw new IllegalArgumentException("rank " + rank + " is outside 0.." + (size - 1));
    }
    return Opener.open(uri, rank, size, System::getenv);
  }

  /** This process's rank, {@code 0 .. size()-1}. */
  int rank();

  /** The number of ranks in the group. */
  int size();

  /**
   * Sends a copy of {@code message} to {@code peer} on {@code tag} and returns without waiting for
   * the matching {@link #recv}. Messages on one (peer, tag) arrive in send order.
   */
  void send(int peer, int tag, byte[] message);

  /**
   * Receives the next message from {@code peer} on {@code tag}, waiting up to the URI's timeout.
   */
  byte[] recv(int peer, int tag);

  /** Receives the next message from {@code peer} on {@code tag}, waiting up to {@code timeout}. */
  byte[] recv(int peer, int tag, Duration timeout);

  /** Gathers every rank's contribution; the result's index is the rank. Lengths may differ. */
  List<byte[]> allGather(byte[] contribution);

  /** Returns {@code root}'s message on every rank; {@code message} is read on root only. */
  byte[] broadcast(int root, byte[] message);

  /** Returns once every rank has entered the barrier. */
  void barrier();

  /** A barrier among exactly the listed ranks, called by each of them and by no other rank. */
  void groupBarrier(int... ranks);

  /** Sends {@code messages.get(i)} to rank i and returns what each rank sent to this one. */
  List<byte[]> allToAll(List<byte[]> messages);

  /**
   * Leaves the group and releases every thread, socket and key this bootstrap holds. Idempotent;
   * operations blocked in other threads fail with {@link BootstrapException.Code#CLOSED}.
   */
  @Override
  void close();
}
