package io.muster.mpi.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import io.muster.spi.InlineProgress;
import io.muster.spi.MessagingBootstrap;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A rank of an {@code mpi:} group whose messages travel over MPI: point-to-point messages with
 * {@code MPI_Isend} and matched probes ({@link MpiMessages}), collectives with MPI's own
 * non-blocking collectives ({@link NativeCollectives}), {@code groupBarrier} on a sub-communicator
 * per set of ranks.
 *
 * <p>The group has three duplicates of {@code MPI_COMM_WORLD}: one for user messages, one for
 * collectives and Muster's own messages, and one that nobody probes, from which the
 * sub-communicators are made ({@code MPI_Comm_create_group} talks over its parent with ordinary
 * point-to-point messages, which a probe for any tag would steal). Closing retires them (see {@link
 * Communicator#retire}).
 */
public final class MpiGroup extends MessagingBootstrap {
  /** Upper bound on how long close waits for sent messages to be taken. */
  private static final long FLUSH_NANOS = TimeUnit.SECONDS.toNanos(5);

  private static final String WORLD = "world";

  private final MpiRuntime rt;
  private final boolean finalizeOnClose;
  private final Communicator userComm;
  private final Communicator internalComm;
  private final Communicator setupComm;
  private final MpiMessages messages;
  private final RollCall rollCall;
  private final NativeCollectives world;
  private final Map<String, NativeCollectives> subgroups = new ConcurrentHashMap<>();
  private final ProgressThread progress;

  private MpiGroup(
      MpiRuntime rt,
      Duration timeout,
      String where,
      boolean finalizeOnClose,
      Communicator[] comms) {
    super(rt.rank(), rt.size(), timeout, where);
    this.rt = rt;
    this.finalizeOnClose = finalizeOnClose;
    this.userComm = comms[0];
    this.internalComm = comms[1];
    this.setupComm = comms[2];
    int rank = rt.rank();
    int size = rt.size();
    this.messages = new MpiMessages(rt, userComm, internalComm, rank, size, mailbox());
    this.rollCall = new RollCall(messages, rank);
    messages.control(rollCall);
    int[] everyone = new int[size];
    Arrays.setAll(everyone, i -> i);
    this.world =
        new NativeCollectives(
            rt, internalComm, everyone, size, WORLD, rollCall, messages::progress, this::isClosed);
    this.progress = new ProgressThread(messages, "muster-mpi-progress-" + rank);
    messages.onWaiting(progress::wake);
    progress.start();
  }

  /**
   * Opens a group over MPI, which must already run in this process ({@link MpiRuntime#acquire}).
   * Every rank of the MPI job must open it.
   *
   * @param finalizeOnClose whether closing the process's last group finalizes MPI
   */
  public static MpiGroup open(
      MpiRuntime rt, Duration timeout, String where, boolean finalizeOnClose, Deadline deadline) {
    Communicator[] comms = Communicator.duplicateWorld(rt, 3, deadline);
    try {
      return new MpiGroup(rt, timeout, where, finalizeOnClose, comms);
    } catch (RuntimeException e) {
      for (Communicator c : comms) {
        c.retire();
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- messages

  @Override
  protected void transmit(int peer, int tag, byte[] message) {
    messages.send(peer, tag, message);
  }

  @Override
  protected InlineProgress inlineProgress() {
    return messages;
  }

  // ---------------------------------------------------------------- collectives

  @Override
  public List<byte[]> allGather(byte[] contribution) {
    Objects.requireNonNull(contribution, "contribution");
    return collective("allGather", d -> world.allGather(contribution, d));
  }

  @Override
  public byte[] broadcast(int root, byte[] message) {
    checkPeer(root, "broadcast root");
    if (root == rank() && message == null) {
      throw new IllegalArgumentException(
          "the broadcast root (rank " + root + ") passed no message");
    }
    return collective("broadcast from rank " + root, d -> world.broadcast(root, message, d));
  }

  @Override
  public void barrier() {
    collective(
        "barrier",
        d -> {
          world.barrier(d);
          return null;
        });
  }

  @Override
  public List<byte[]> allToAll(List<byte[]> messages) {
    Objects.requireNonNull(messages, "messages");
    if (messages.size() != size()) {
      throw new IllegalArgumentException(
          "allToAll needs one message per rank: " + size() + ", got " + messages.size());
    }
    for (int i = 0; i < size(); i++) {
      if (messages.get(i) == null) {
        throw new IllegalArgumentException("allToAll message for rank " + i + " is null");
      }
    }
    List<byte[]> copy = List.copyOf(messages);
    return collective("allToAll", d -> world.allToAll(copy, d));
  }

  /**
   * A barrier on a sub-communicator of the listed ranks. The first barrier of a set meets with
   * point-to-point messages (bounded, and naming the missing ranks on a timeout); once all members
   * are known to be there they make the sub-communicator, whose {@code MPI_Ibarrier} serves every
   * later barrier of the set. A set's sub-communicator lives as long as the group: freeing it on
   * one member but not another would put them out of step.
   */
  @Override
  public void groupBarrier(int... ranks) {
    int[] members = members(ranks);
    if (members.length == size()) {
      barrier();
      return;
    }
    String key = "group " + Arrays.toString(members);
    collective(
        "groupBarrier " + Arrays.toString(members),
        d -> {
          NativeCollectives sub = subgroups.get(key);
          if (sub == null) {
            super.groupBarrier(members); // re-enters the collective lock, which is reentrant
            int me = Arrays.binarySearch(members, rank());
            Communicator comm = setupComm.subgroup(members, Math.floorMod(key.hashCode(), 32768));
            if (comm.rank() != me) {
              throw new BootstrapException(
                  Code.INTERNAL, "MPI placed rank " + rank() + " at " + comm.rank() + " in " + key);
            }
            subgroups.put(
                key,
                new NativeCollectives(
                    rt, comm, members, size(), key, rollCall, messages::progress, this::isClosed));
            return null;
          }
          sub.barrier(d);
          return null;
        });
  }

  /** The listed ranks, sorted, checked as the base class checks them. */
  private int[] members(int[] ranks) {
    Objects.requireNonNull(ranks, "ranks");
    if (ranks.length == 0) {
      throw new IllegalArgumentException("groupBarrier needs at least one rank");
    }
    int[] sorted = ranks.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      checkPeer(sorted[i], "groupBarrier");
      if (i > 0 && sorted[i] == sorted[i - 1]) {
        throw new IllegalArgumentException(
            "groupBarrier lists rank " + sorted[i] + " twice: " + Arrays.toString(ranks));
      }
    }
    if (Arrays.binarySearch(sorted, rank()) < 0) {
      throw new IllegalArgumentException(
          "rank "
              + rank()
              + " called groupBarrier "
              + Arrays.toString(ranks)
              + " but is not in it");
    }
    return sorted;
  }

  // ---------------------------------------------------------------- closing

  @Override
  protected void release() {
    long end = System.nanoTime() + Math.min(FLUSH_NANOS, timeout().toNanos());
    try {
      // Messages already sent must still reach their receivers: large ones need this rank's
      // progress until the receiver takes them.
      Backoff backoff = new Backoff(1_000_000);
      while (!messages.sendsDone() && end - System.nanoTime() > 0) {
        messages.progress();
        backoff.pause(end - System.nanoTime());
      }
      progress.stop(Math.max(TimeUnit.SECONDS.toNanos(1), end - System.nanoTime()));
      messages.close();
      retireAll();
    } finally {
      rt.release(finalizeOnClose, Math.max(TimeUnit.SECONDS.toNanos(1), end - System.nanoTime()));
    }
  }

  private void retireAll() {
    for (NativeCollectives sub : subgroups.values()) {
      sub.retireCommunicator();
    }
    userComm.retire();
    internalComm.retire();
    setupComm.retire();
  }
}
