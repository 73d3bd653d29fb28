package io.muster.mpi.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The collectives as MPI's own ({@code MPI_Iallgather(v)}, {@code MPI_Ibcast}, {@code
 * MPI_Ibarrier}, {@code MPI_Ialltoall(v)}) on one communicator. They are posted non-blocking and
 * polled with {@code MPI_Test} until done or the deadline, so every call is bounded in time.
 *
 * <p>Messages of any length: the first round carries each contribution's length and, for allGather
 * and broadcast, its first {@link #INLINE} bytes, so a small collective is one MPI call; longer
 * contributions follow in further rounds, each under MPI's {@code int} counts.
 *
 * <p><b>Timeouts.</b> MPI cannot cancel a collective. One that times out stays posted (its memory
 * lives until it completes) so that ranks arriving late still complete it, and the caller gets
 * {@code TIMEOUT} naming the ranks that the {@link RollCall} found missing. Because this rank will
 * not post the rounds that might have followed, its collectives on this communicator are out of
 * step with the others' from then on: each later one fails at once with the same {@code TIMEOUT}. A
 * timeout of a collective is, under MPI as in MPI programs, the end of the job.
 */
final class NativeCollectives {
  /** Bytes per rank of the first allGather or broadcast round: a length, then data. */
  static final int SLOT = 256;

  static final int INLINE = SLOT - 4;

  /**
   * The most bytes one rank moves in one MPI call: MPI counts and displacements are {@code int}s.
   * {@code -Dmuster.mpi.maxCount} lowers it, so tests can take the many-round paths that only huge
   * collectives take otherwise.
   */
  static final int MAX_COUNT =
      Math.max(1, Integer.getInteger("muster.mpi.maxCount", Integer.MAX_VALUE));

  private final MpiRuntime rt;
  private final Abi mpi;
  private final Communicator comm;
  private final int me;
  private final int n;
  private final int[] members;
  private final int groupSize;
  private final String key;
  private final RollCall rollCall;
  private final BooleanSupplier sidePoll;
  private final BooleanSupplier closed;
  private Memory slot; // reused while no timed-out round holds it
  private Memory slots;
  private ByteBuffer slotView; // the same memory, read and written without a native call each
  private ByteBuffer slotsView;
  private BootstrapException outOfStep;

  /**
   * @param members the group's ranks that make up the communicator, for messages and the roll call
   * @param groupSize the size of the whole group, for messages
   * @param key the roll call's name for this communicator
   * @param rollCall asks who is missing at a timeout; {@code null} to name nobody
   * @param sidePoll polls point-to-point messages now and then while a collective waits
   * @param closed whether the group has closed
   */
  NativeCollectives(
      MpiRuntime rt,
      Communicator comm,
      int[] members,
      int groupSize,
      String key,
      RollCall rollCall,
      BooleanSupplier sidePoll,
      BooleanSupplier closed) {
    this.rt = rt;
    this.mpi = rt.mpi;
    this.comm = comm;
    this.me = comm.rank();
    this.n = comm.size();
    this.members = members;
    this.groupSize = groupSize;
    this.key = key;
    this.rollCall = rollCall;
    this.sidePoll = sidePoll;
    this.closed = closed;
  }

  // ---------------------------------------------------------------- the collectives

  void barrier(Deadline deadline) {
    long number = enter();
    await(start("MPI_Ibarrier", req -> mpi.ibarrier(comm.handle(), req)), number, deadline);
  }

  List<byte[]> allGather(byte[] mine, Deadline deadline) {
    long number = enter();
    Memory one = slot();
    Memory all = slots();
    ByteBuffer oneView = slotView;
    ByteBuffer allView = slotsView;
    oneView.putInt(0, mine.length);
    oneView.put(4, mine, 0, Math.min(mine.length, INLINE));
    await(
        start(
            "MPI_Iallgather",
            req ->
                mpi.iallgather(
                    address(one),
                    SLOT,
                    mpi.byteType,
                    address(all),
                    SLOT,
                    mpi.byteType,
                    comm.handle(),
                    req)),
        number,
        deadline,
        one,
        all);
    byte[][] out = new byte[n][];
    long[] rest = new long[n];
    long longest = 0;
    for (int r = 0; r < n; r++) {
      int length = allView.getInt(SLOT * r);
      if (length < 0) {
        throw corrupt("rank " + members[r] + " sent a length of " + length);
      }
      out[r] = new byte[length];
      allView.get(SLOT * r + 4, out[r], 0, Math.min(length, INLINE));
      rest[r] = Math.max(0, length - INLINE);
      longest = Math.max(longest, rest[r]);
    }
    // The rest, in rounds whose counts and displacements fit in an int.
    long chunk = Math.max(1, MAX_COUNT / n);
    for (long from = 0; from < longest; from += chunk) {
      int[] counts = new int[n];
      int[] displs = new int[n];
      long total = 0;
      for (int r = 0; r < n; r++) {
        counts[r] = (int) Math.max(0, Math.min(chunk, rest[r] - from));
        displs[r] = (int) total;
        total += counts[r];
      }
      Memory send = allocate(counts[me]);
      if (counts[me] > 0) {
        send.write(0, mine, (int) (INLINE + from), counts[me]);
      }
      Memory recv = allocate(total);
      Memory countsM = ints(counts);
      Memory displsM = ints(displs);
      int myCount = counts[me];
      await(
          start(
              "MPI_Iallgatherv",
              req ->
                  mpi.iallgatherv(
                      address(send),
                      myCount,
                      mpi.byteType,
                      address(recv),
                      address(countsM),
                      address(displsM),
                      mpi.byteType,
                      comm.handle(),
                      req)),
          number,
          deadline,
          send,
          recv,
          countsM,
          displsM);
      for (int r = 0; r < n; r++) {
        if (counts[r] > 0) {
          recv.read(displs[r], out[r], (int) (INLINE + from), counts[r]);
        }
      }
      free(send, recv, countsM, displsM);
    }
    out[me] = mine.clone();
    return List.of(out);
  }

  /** {@code root} is a rank of this communicator. */
  byte[] broadcast(int root, byte[] message, Deadline deadline) {
    long number = enter();
    Memory head = slot();
    ByteBuffer headView = slotView;
    if (me == root) {
      headView.putInt(0, message.length);
      headView.put(4, message, 0, Math.min(message.length, INLINE));
    }
    await(
        start(
            "MPI_Ibcast",
            req -> mpi.ibcast(address(head), SLOT, mpi.byteType, root, comm.handle(), req)),
        number,
        deadline,
        head);
    int length = me == root ? message.length : headView.getInt(0);
    if (length < 0) {
      throw corrupt("the root sent a length of " + length);
    }
    byte[] out = me == root ? message.clone() : new byte[length];
    if (me != root) {
      headView.get(4, out, 0, Math.min(length, INLINE));
    }
    for (long from = INLINE; from < length; from += MAX_COUNT) {
      int at = (int) from;
      int count = (int) Math.min(MAX_COUNT, length - from);
      Memory rest = allocate(count);
      if (me == root) {
        rest.write(0, out, at, count);
      }
      await(
          start(
              "MPI_Ibcast",
              req -> mpi.ibcast(address(rest), count, mpi.byteType, root, comm.handle(), req)),
          number,
          deadline,
          rest);
      if (me != root) {
        rest.read(0, out, at, count);
      }
      free(rest);
    }
    return out;
  }

  List<byte[]> allToAll(List<byte[]> messages, Deadline deadline) {
    long number = enter();
    // First round: to each rank, the length of its message and the longest this rank sends, so
    // every rank learns the number of rounds that follow.
    int longestMine = 0;
    for (byte[] m : messages) {
      longestMine = Math.max(longestMine, m.length);
    }
    Memory lengthsOut = allocate(8L * n);
    Memory lengthsIn = allocate(8L * n);
    ByteBuffer lengthsOutView = lengthsOut.getByteBuffer(0, 8L * n);
    for (int r = 0; r < n; r++) {
      lengthsOutView.putInt(8 * r, messages.get(r).length);
      lengthsOutView.putInt(8 * r + 4, longestMine);
    }
    await(
        start(
            "MPI_Ialltoall",
            req ->
                mpi.ialltoall(
                    address(lengthsOut),
                    8,
                    mpi.byteType,
                    address(lengthsIn),
                    8,
                    mpi.byteType,
                    comm.handle(),
                    req)),
        number,
        deadline,
        lengthsOut,
        lengthsIn);
    byte[][] out = new byte[n][];
    long longest = 0;
    ByteBuffer lengthsInView = lengthsIn.getByteBuffer(0, 8L * n);
    for (int r = 0; r < n; r++) {
      int length = lengthsInView.getInt(8 * r);
      int theirs = lengthsInView.getInt(8 * r + 4);
      if (length < 0 || theirs < length) {
        throw corrupt("rank " + members[r] + " sent lengths " + length + " and " + theirs);
      }
      out[r] = new byte[length];
      longest = Math.max(longest, theirs);
    }
    free(lengthsOut, lengthsIn);
    long chunk = Math.max(1, MAX_COUNT / n);
    for (long from = 0; from < longest; from += chunk) {
      int[] sendCounts = new int[n];
      int[] sendDispls = new int[n];
      int[] recvCounts = new int[n];
      int[] recvDispls = new int[n];
      long sendTotal = 0;
      long recvTotal = 0;
      for (int r = 0; r < n; r++) {
        if (r != me) { // this rank's own message is copied, not sent
          sendCounts[r] = (int) Math.max(0, Math.min(chunk, messages.get(r).length - from));
          recvCounts[r] = (int) Math.max(0, Math.min(chunk, out[r].length - from));
        }
        sendDispls[r] = (int) sendTotal;
        recvDispls[r] = (int) recvTotal;
        sendTotal += sendCounts[r];
        recvTotal += recvCounts[r];
      }
      Memory send = allocate(sendTotal);
      for (int r = 0; r < n; r++) {
        if (sendCounts[r] > 0) {
          send.write(sendDispls[r], messages.get(r), (int) from, sendCounts[r]);
        }
      }
      Memory recv = allocate(recvTotal);
      Memory sc = ints(sendCounts);
      Memory sd = ints(sendDispls);
      Memory rc = ints(recvCounts);
      Memory rd = ints(recvDispls);
      await(
          start(
              "MPI_Ialltoallv",
              req ->
                  mpi.ialltoallv(
                      address(send),
                      address(sc),
                      address(sd),
                      mpi.byteType,
                      address(recv),
                      address(rc),
                      address(rd),
                      mpi.byteType,
                      comm.handle(),
                      req)),
          number,
          deadline,
          send,
          recv,
          sc,
          sd,
          rc,
          rd);
      for (int r = 0; r < n; r++) {
        if (recvCounts[r] > 0) {
          recv.read(recvDispls[r], out[r], (int) from, recvCounts[r]);
        }
      }
      free(send, recv, sc, sd, rc, rd);
    }
    out[me] = messages.get(me).clone();
    return List.of(out);
  }

  // ---------------------------------------------------------------- posting and waiting

  private long enter() {
    if (outOfStep != null) {
      throw new BootstrapException(
          outOfStep.code(),
          "an earlier collective on this rank ended early and MPI cannot cancel it, so this rank's"
              + " collectives are out of step with the other ranks' ("
              + outOfStep.getMessage()
              + "); close the group and end the job",
          outOfStep.ranks(),
          outOfStep);
    }
    return rollCall == null ? 0 : rollCall.enter(key);
  }

  /** A non-blocking MPI call, given where to write its request. */
  @FunctionalInterface
  private interface Call {
    int post(long requestOut);
  }

  /** Makes {@code call} under the lock and returns its request. */
  private Request start(String what, Call call) {
    rt.lock();
    try {
      if (comm.retired()) {
        throw new BootstrapException(
            Code.CLOSED, "rank " + members[me] + " is closed (in " + what + ")");
      }
      rt.check(call.post(rt.scratchAddress + MpiRuntime.REQUEST), what + " on rank " + members[me]);
      return new Request(mpi.readHandle(rt.scratch, MpiRuntime.REQUEST), what);
    } finally {
      rt.unlock();
    }
  }

  /**
   * Polls {@code r} until it completes or the deadline passes.
   *
   * @param buffers the memory the call uses: on a timeout it goes with the abandoned request
   */
  private void await(Request r, long number, Deadline deadline, Memory... buffers) {
    Backoff backoff = new Backoff(2_000_000);
    long lead = Math.min(1_000_000_000L, deadline.timeout().toNanos() / 4);
    long askAt = deadline.endNanos() - lead;
    long askAgainAt = deadline.endNanos() - lead / 3;
    RollCall.Poll poll = null;
    boolean askedAgain = false;
    try {
      for (int round = 1; ; round++) {
        if (rt.tryLock()) {
          try {
            if (r.test(rt)) {
              return;
            }
          } finally {
            rt.unlock();
          }
        }
        if (closed.getAsBoolean()) {
          giveUp(r, buffers);
          throw new BootstrapException(
              Code.CLOSED, "rank " + members[me] + " closed during " + deadline.operation());
        }
        long now = System.nanoTime();
        if (rollCall != null && poll == null && now - askAt >= 0) {
          poll = rollCall.ask(key, members);
        } else if (poll != null && !askedAgain && now - askAgainAt >= 0) {
          rollCall.askAgain(poll, key);
          askedAgain = true;
        }
        if (now - deadline.endNanos() >= 0) {
          giveUp(r, buffers);
          List<Integer> missing = poll == null ? List.of() : poll.missing(number);
          BootstrapException e =
              deadline.timeoutError(
                  missing,
                  groupSize,
                  missing.isEmpty()
                      ? "MPI cannot say which rank is missing and none was found behind; check"
                          + " that every rank calls the same collectives in the same order"
                      : "they have not called this collective yet; every rank must call the same"
                          + " collectives in the same order");
          outOfStep = e;
          throw e;
        }
        if (Thread.currentThread().isInterrupted()) {
          giveUp(r, buffers);
          outOfStep =
              new BootstrapException(
                  Code.CLOSED,
                  "interrupted in "
                      + deadline.operation()
                      + "; MPI cannot cancel the collective, so this group's collectives cannot"
                      + " go on");
          throw outOfStep;
        }
        if ((round & 63) == 0) {
          sidePoll.getAsBoolean(); // point-to-point messages keep flowing during long waits
        }
        backoff.pause(deadline.nanosLeft());
      }
    } finally {
      if (poll != null) {
        poll.close();
      }
    }
  }

  /** Leaves the request to MPI with its buffers, which this object then stops reusing. */
  private void giveUp(Request r, Memory[] buffers) {
    rt.lock();
    try {
      r.attach(buffers);
      rt.abandon(r);
    } finally {
      rt.unlock();
    }
    for (Memory m : buffers) {
      if (m == slot) {
        slot = null;
      }
      if (m == slots) {
        slots = null;
      }
    }
  }

  // ---------------------------------------------------------------- memory

  private Memory slot() {
    if (slot == null) {
      slot = new Memory(SLOT);
      slotView = slot.getByteBuffer(0, SLOT); // big-endian, as every header Muster sends
    }
    return slot;
  }

  private Memory slots() {
    if (slots == null) {
      slots = new Memory((long) SLOT * n);
      slotsView = slots.getByteBuffer(0, (long) SLOT * n);
    }
    return slots;
  }

  private static Memory allocate(long bytes) {
    return new Memory(Math.max(1, bytes));
  }

  private static Memory ints(int[] values) {
    Memory m = new Memory(4L * Math.max(1, values.length));
    m.write(0, values, 0, values.length);
    return m;
  }

  private static void free(Memory... ms) {
    for (Memory m : ms) {
      m.close();
    }
  }

  private static long address(Memory m) {
    return Pointer.nativeValue(m);
  }

  private BootstrapException corrupt(String what) {
    return new BootstrapException(
        Code.PROTOCOL,
        "corrupt collective data: "
            + what
            + "; are all ranks running the same Muster version and calling the same collectives"
            + " in the same order?");
  }

  /**
   * Retires the communicator. The reusable buffers are left to the garbage collector: a timed-out
   * collective may still be writing into them.
   */
  void retireCommunicator() {
    comm.retire();
  }

  int[] members() {
    return Arrays.copyOf(members, members.length);
  }
}
