package io.muster.mpi.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import java.util.List;

/**
 * An MPI communicator Muster made for itself, so that its traffic never meets the application's own
 * MPI messages, nor those of another group. Errors on it are returned, not fatal.
 */
final class Communicator {
  private final MpiRuntime rt;
  private final long handle;
  private final int rank;
  private final int size;
  private boolean retired; // guarded by rt's lock

  private Communicator(MpiRuntime rt, long handle) {
    this.rt = rt;
    this.handle = handle;
    Abi mpi = rt.mpi;
    rt.check(mpi.commSetErrhandler(handle, mpi.errorsReturn), "MPI_Comm_set_errhandler");
    rt.check(mpi.commRank(handle, rt.scratchAddress + MpiRuntime.COUNT), "MPI_Comm_rank");
    this.rank = rt.scratch.getInt(MpiRuntime.COUNT);
    rt.check(mpi.commSize(handle, rt.scratchAddress + MpiRuntime.COUNT), "MPI_Comm_size");
    this.size = rt.scratch.getInt(MpiRuntime.COUNT);
  }

  /**
   * {@code count} duplicates of {@code MPI_COMM_WORLD}, made with the non-blocking {@code
   * MPI_Comm_idup} so the wait is bounded. Every rank of the job must make the same call.
   *
   * @throws BootstrapException {@code TIMEOUT} at the deadline
   */
  static Communicator[] duplicateWorld(MpiRuntime rt, int count, Deadline deadline) {
    Abi mpi = rt.mpi;
    Memory[] out = new Memory[count];
    Request[] requests = new Request[count];
    rt.lock();
    try {
      for (int i = 0; i < count; i++) {
        out[i] = new Memory(8);
        rt.check(
            mpi.commIdup(
                mpi.commWorld, Pointer.nativeValue(out[i]), rt.scratchAddress + MpiRuntime.REQUEST),
            "MPI_Comm_idup");
        requests[i] =
            new Request(mpi.readHandle(rt.scratch, MpiRuntime.REQUEST), "MPI_Comm_idup", out[i]);
      }
    } finally {
      rt.unlock();
    }
    Backoff backoff = new Backoff(2_000_000);
    while (true) {
      rt.lock();
      try {
        boolean all = true;
        for (Request r : requests) {
          all &= r.test(rt);
        }
        if (all) {
          Communicator[] made = new Communicator[count];
          for (int i = 0; i < count; i++) {
            made[i] = new Communicator(rt, mpi.readHandle(out[i], 0));
            requests[i].release();
          }
          return made;
        }
        rt.reapAbandoned();
        if (deadline.expired()) {
          for (Request r : requests) {
            rt.abandon(r);
          }
          throw deadline.timeoutError(
              List.of(),
              rt.size(),
              "MPI_Comm_idup of MPI_COMM_WORLD is not complete, so some rank has not opened this"
                  + " mpi: group (MPI cannot say which); every rank must open it, in the same"
                  + " order as its other mpi: groups");
        }
      } finally {
        rt.unlock();
      }
      if (Thread.currentThread().isInterrupted()) {
        rt.lock();
        try {
          for (Request r : requests) {
            rt.abandon(r);
          }
        } finally {
          rt.unlock();
        }
        throw new BootstrapException(Code.CLOSED, "interrupted in " + deadline.operation());
      }
      backoff.pause(deadline.nanosLeft());
    }
  }

  /**
   * A communicator of {@code members} (ranks of this one, sorted), made by exactly those ranks with
   * {@code MPI_Comm_create_group}. That call blocks until every member makes it, so callers first
   * meet the members some bounded way. It talks over this communicator with {@code tag} as
   * point-to-point messages, so this one must be a communicator nobody probes.
   */
  Communicator subgroup(int[] members, int tag) {
    Abi mpi = rt.mpi;
    long base = rt.scratchAddress;
    try (Memory ranks = new Memory(4L * members.length)) {
      for (int i = 0; i < members.length; i++) {
        ranks.setInt(4L * i, members[i]);
      }
      rt.lock();
      try {
        rt.check(mpi.commGroup(handle, base + MpiRuntime.HANDLE), "MPI_Comm_group");
        long whole = mpi.readHandle(rt.scratch, MpiRuntime.HANDLE);
        rt.check(
            mpi.groupIncl(
                whole, members.length, Pointer.nativeValue(ranks), base + MpiRuntime.HANDLE2),
            "MPI_Group_incl");
        long part = mpi.readHandle(rt.scratch, MpiRuntime.HANDLE2);
        rt.check(
            mpi.commCreateGroup(handle, part, tag, base + MpiRuntime.REQUEST),
            "MPI_Comm_create_group");
        long created = mpi.readHandle(rt.scratch, MpiRuntime.REQUEST);
        mpi.writeHandle(rt.scratch, MpiRuntime.HANDLE, whole);
        mpi.groupFree(base + MpiRuntime.HANDLE);
        mpi.writeHandle(rt.scratch, MpiRuntime.HANDLE, part);
        mpi.groupFree(base + MpiRuntime.HANDLE);
        return new Communicator(rt, created);
      } finally {
        rt.unlock();
      }
    }
  }

  /**
   * Retires the communicator: Muster stops using it, but does not free it. Open MPI hands a freed
   * communicator's context id to the next one it makes, and a message that reaches this process
   * after its group closed (a peer sent it late) would then surface in a later group; kept, the id
   * stays taken and such a message stays in this communicator's queue, unseen. MPI_Finalize frees
   * them all.
   */
  void retire() {
    rt.lock();
    try {
      retired = true;
    } finally {
      rt.unlock();
    }
  }

  /** Whether {@link #retire} was called; calls on a retired communicator fail with CLOSED. */
  boolean retired() {
    return retired;
  }

  long handle() {
    return handle;
  }

  int rank() {
    return rank;
  }

  int size() {
    return size;
  }
}
