package io.muster.mpi.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MPI in this process: loaded, initialised and finalized once (MPI allows no second {@code
 * MPI_Init}), shared by every {@code mpi:} group the process opens.
 *
 * <p><b>Threads.</b> MPI runs at {@code MPI_THREAD_SERIALIZED}: any thread may call it, one at a
 * time, under {@link #lock()}. Every call Muster makes is non-blocking and short (post, probe,
 * test), so the lock is held for microseconds, a thread that finds it taken can skip its poll (the
 * holder is driving MPI's progress for everyone), and Open MPI is spared the internal locking it
 * does on every call under {@code MPI_THREAD_MULTIPLE}.
 *
 * <p><b>Ending.</b> {@code MPI_Finalize} runs at JVM exit (a shutdown hook), or when the last group
 * closes if it was opened with {@code finalize=close}. A rank that fails must not leave the others
 * waiting, so {@code MPI_Abort} runs instead when the main thread dies of an uncaught exception, or
 * when the JVM exits while a group is still open. Muster finalizes and aborts only an MPI it
 * initialised itself.
 */
public final class MpiRuntime {
  private static final Logger log = LoggerFactory.getLogger(MpiRuntime.class);

  /** Offsets in {@link #scratch}: the out-parameters of calls made under the lock. */
  static final int FLAG = 0;

  static final int COUNT = 4;
  static final int HANDLE = 8;
  static final int HANDLE2 = 16;
  static final int REQUEST = 24;
  static final int STATUS = 32;
  private static final int SCRATCH_BYTES = 128;

  private static final Object GUARD = new Object();
  private static MpiRuntime current; // guarded by GUARD

  private enum State {
    STARTING,
    READY,
    FAILED,
    FINALIZED
  }

  final Abi mpi;
  private final Memory scratchMemory = new Memory(SCRATCH_BYTES);
  final long scratchAddress = Pointer.nativeValue(scratchMemory);

  /** The out-parameters, read and written from Java without a native call each. */
  final ByteBuffer scratch =
      scratchMemory.getByteBuffer(0, SCRATCH_BYTES).order(ByteOrder.nativeOrder());

  private final ReentrantLock lock = new ReentrantLock();
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final List<Request> abandoned = new ArrayList<>(); // guarded by lock

  private volatile State state = State.STARTING;
  private int openGroups; // guarded by GUARD
  private boolean ownsMpi;
  private int rank;
  private int size;
  private int tagUpperBound;
  private String version = "MPI";

  private MpiRuntime(Abi mpi) {
    this.mpi = mpi;
  }

  /**
   * Returns this process's MPI, initialising it on first use, and counts one more open group.
   *
   * @param library the library's path, or {@code null} to search (only the first call loads it)
   * @throws BootstrapException {@code TIMEOUT} when {@code MPI_Init_thread} has not returned by the
   *     deadline (Open MPI waits there for every rank of the job), {@code UNAVAILABLE} when MPI
   *     cannot be loaded or started, {@code CONFIG} after {@code finalize=close} has ended MPI
   */
  public static MpiRuntime acquire(String library, Deadline deadline) {
    MpiRuntime rt;
    synchronized (GUARD) {
      if (current == null) {
        current = new MpiRuntime(MpiLibrary.load(library));
        current.start();
      }
      rt = current;
      if (rt.state == State.FINALIZED) {
        throw new BootstrapException(
            Code.CONFIG,
            "MPI was finalized in this process when its last mpi: group closed (finalize=close),"
                + " and MPI cannot start twice in one process; leave finalize at its default"
                + " (exit) to open mpi: more than once");
      }
      rt.openGroups++;
    }
    try {
      rt.started.get(Math.max(0, deadline.nanosLeft()), TimeUnit.NANOSECONDS);
      return rt;
    } catch (TimeoutException e) {
      rt.releaseCount();
      throw deadline.timeoutError(
          List.of(),
          0,
          "MPI_Init_thread has not returned; Open MPI waits in it until every process of the job"
              + " has started MPI, and cannot say which are missing. Check that mpirun started"
              + " every rank and that each of them opens mpi:");
    } catch (ExecutionException e) {
      rt.releaseCount();
      Throwable cause = e.getCause();
      if (cause instanceof BootstrapException) {
        BootstrapException b = (BootstrapException) cause;
        throw new BootstrapException(b.code(), b.getMessage(), b.ranks(), b);
      }
      throw new BootstrapException(Code.UNAVAILABLE, "MPI failed to start: " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      rt.releaseCount();
      throw new BootstrapException(Code.CLOSED, "interrupted while MPI was starting");
    }
  }

  private void releaseCount() {
    synchronized (GUARD) {
      openGroups--;
    }
  }

  /**
   * Counts one group fewer. With {@code finalize} and no group left, finalizes MPI, waiting for it
   * up to {@code nanos} ({@code MPI_Finalize} returns once every rank has called it).
   */
  public void release(boolean finalize, long nanos) {
    boolean last;
    synchronized (GUARD) {
      openGroups--;
      last = openGroups == 0 && finalize && ownsMpi && state == State.READY;
      if (last) {
        state = State.FINALIZED; // no open from here on: MPI cannot start again
      }
    }
    if (!last) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              finalizeNow();
              done.complete(null);
            },
            "muster-mpi-finalize");
    t.setDaemon(true);
    t.start();
    try {
      done.get(nanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      log.warn(
          "rank {}: MPI_Finalize waits for the other ranks to finish too; it goes on in the"
              + " background",
          rank);
    } catch (ExecutionException e) {
      log.warn("rank {}: MPI_Finalize failed", rank, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void start() {
    Thread t = new Thread(this::startMpi, "muster-mpi-init");
    t.setDaemon(true); // Open MPI may keep it in MPI_Init_thread for as long as a rank is missing
    t.start();
  }

  private void startMpi() {
    try {
      lock.lock();
      try {
        check(mpi.initialized(scratchAddress + FLAG), "MPI_Initialized");
        boolean already = scratch.getInt(FLAG) != 0;
        if (already) {
          check(mpi.finalized(scratchAddress + FLAG), "MPI_Finalized");
          if (scratch.getInt(FLAG) != 0) {
            throw new BootstrapException(
                Code.UNAVAILABLE,
                "MPI was already finalized in this process by someone else; it cannot start again");
          }
          check(mpi.queryThread(scratchAddress + COUNT), "MPI_Query_thread");
        } else {
          check(mpi.initThread(Abi.THREAD_SERIALIZED, scratchAddress + COUNT), "MPI_Init_thread");
          ownsMpi = true;
        }
        int level = scratch.getInt(COUNT);
        check(mpi.commRank(mpi.commWorld, scratchAddress + FLAG), "MPI_Comm_rank");
        rank = scratch.getInt(FLAG);
        check(mpi.commSize(mpi.commWorld, scratchAddress + FLAG), "MPI_Comm_size");
        size = scratch.getInt(FLAG);
        tagUpperBound = readTagUpperBound();
        version = readVersion();
        if (level < Abi.THREAD_SERIALIZED) {
          if (ownsMpi) {
            mpi.finalizeMpi();
          }
          throw new BootstrapException(
              Code.UNAVAILABLE,
              version
                  + " provides thread level "
                  + level
                  + " only; Muster needs MPI_THREAD_SERIALIZED (2) or MPI_THREAD_MULTIPLE (3)."
                  + (already
                      ? " The application initialised MPI itself: ask for MPI_THREAD_MULTIPLE."
                      : ""));
        }
      } finally {
        lock.unlock();
      }
      if (ownsMpi) {
        Thread hook = new Thread(this::atExit, "muster-mpi-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        FailureHandler.install(this);
      }
      log.debug(
          "{} started: rank {} of {}, tag upper bound {}", version, rank, size, tagUpperBound);
      state = State.READY;
      started.complete(null);
    } catch (RuntimeException | Error e) {
      state = State.FAILED;
      synchronized (GUARD) {
        if (current == this && !ownsMpi) {
          current = null; // nothing was started: a later open may try again
        }
      }
      started.completeExceptionally(e);
    }
  }

  private int readTagUpperBound() {
    check(
        mpi.commGetAttr(
            mpi.commWorld, mpi.tagUbKey, scratchAddress + HANDLE, scratchAddress + FLAG),
        "MPI_Comm_get_attr(MPI_TAG_UB)");
    if (scratch.getInt(FLAG) == 0) {
      return 32767; // the least the standard guarantees
    }
    return new Pointer(scratch.getLong(HANDLE)).getInt(0);
  }

  private String readVersion() {
    try (Memory text = new Memory(8192)) {
      if (mpi.libraryVersion(Pointer.nativeValue(text), scratchAddress + FLAG) != Abi.SUCCESS) {
        return mpi.family();
      }
      String v = text.getString(0, StandardCharsets.UTF_8.name()).trim();
      int comma = v.indexOf(',');
      return comma > 0 ? v.substring(0, comma) : v;
    }
  }

  /** The lock every MPI call is made under. */
  public void lock() {
    lock.lock();
  }

  /** Takes the lock if it is free; a poller that fails can skip its turn. */
  boolean tryLock() {
    return lock.tryLock();
  }

  public void unlock() {
    lock.unlock();
  }

  /** Throws {@code UNAVAILABLE} with MPI's own description unless {@code rc} is success. */
  void check(int rc, String what) {
    if (rc != Abi.SUCCESS) {
      throw new BootstrapException(
          Code.UNAVAILABLE,
          what
              + " failed on rank "
              + rank
              + " of "
              + size
              + ": "
              + errorText(rc)
              + " ("
              + version
              + ")");
    }
  }

  /** MPI's words for an error code. */
  String errorText(int rc) {
    try (Memory text = new Memory(1024)) {
      if (mpi.errorString(rc, Pointer.nativeValue(text), scratchAddress + COUNT) == Abi.SUCCESS) {
        return text.getString(0, StandardCharsets.UTF_8.name()).trim() + " (error " + rc + ")";
      }
    } catch (RuntimeException e) {
      // fall through to the number
    }
    return "MPI error " + rc;
  }

  /**
   * Keeps a request whose owner gave up (a timeout, a close) until it completes, so that MPI never
   * writes into freed memory. Called under the lock.
   */
  void abandon(Request r) {
    if (!r.done()) {
      abandoned.add(r);
    } else {
      r.release();
    }
  }

  /** Tests abandoned requests and frees those that completed. Called under the lock. */
  void reapAbandoned() {
    if (abandoned.isEmpty()) {
      return;
    }
    for (Iterator<Request> it = abandoned.iterator(); it.hasNext(); ) {
      Request r = it.next();
      if (r.test(this)) {
        r.release();
        it.remove();
      }
    }
  }

  /** {@code MPI_COMM_WORLD}'s rank of this process. */
  public int rank() {
    return rank;
  }

  /** {@code MPI_COMM_WORLD}'s size. */
  public int size() {
    return size;
  }

  /** The largest tag MPI accepts ({@code MPI_TAG_UB}). */
  int tagUpperBound() {
    return tagUpperBound;
  }

  /** The library, as in {@code Open MPI v4.1.4}. */
  public String version() {
    return version;
  }

  /** Whether this process is still usable: started, not failed and not finalized. */
  boolean ready() {
    return state == State.READY;
  }

  private void finalizeNow() {
    lock.lock();
    try {
      reapAbandoned();
      if (!abandoned.isEmpty()) {
        log.debug("rank {}: finalizing with {} operations unfinished", rank, abandoned.size());
      }
      int rc = mpi.finalizeMpi();
      state = State.FINALIZED;
      if (rc != Abi.SUCCESS) {
        log.warn("rank {}: MPI_Finalize: {}", rank, errorText(rc));
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The shutdown hook: finalize after a clean end, abort when a group is still open, nothing when
   * mpirun is stopping the job.
   */
  private void atExit() {
    int open;
    synchronized (GUARD) {
      if (state != State.READY || FailureHandler.signalled()) {
        return;
      }
      open = openGroups;
    }
    if (open > 0) {
      abortJob(
          "the JVM is exiting with "
              + open
              + (open == 1 ? " mpi: group" : " mpi: groups")
              + " still open, which counts as a failure (close the group to end normally)");
    } else {
      finalizeNow();
    }
  }

  /**
   * Ends the whole MPI job: prints why, then {@code MPI_Abort} on {@code MPI_COMM_WORLD}, which
   * makes mpirun stop every rank. Does not return.
   */
  void abortJob(String why) {
    System.err.println(
        "muster: rank "
            + rank
            + " of "
            + size
            + " fails: "
            + why
            + "; calling MPI_Abort so that the other ranks end too");
    System.err.flush();
    boolean locked = false;
    try {
      // A thread stuck inside MPI holds the lock; abort anyway after a moment.
      locked = lock.tryLock(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      mpi.abort(mpi.commWorld, 1);
    } finally {
      if (locked) {
        lock.unlock();
      }
      Runtime.getRuntime().halt(1); // MPI_Abort does not return; if it did, end anyway
    }
  }

  /** Whether MPI is up, for the failure handler. */
  boolean canAbort() {
    return state == State.READY && ownsMpi;
  }
}
