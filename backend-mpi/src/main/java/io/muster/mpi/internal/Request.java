package io.muster.mpi.internal;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One non-blocking MPI operation in flight, with the native memory it reads or writes. The memory
 * lives exactly as long as the operation: MPI may touch it until {@link #test} says done, even if
 * whoever started it has given up (then the request goes to {@link MpiRuntime#abandon}).
 *
 * <p>Every method runs under the runtime's lock.
 */
final class Request {
  private final String what;
  private final NativeBuffers pool;
  private final List<Memory> memory;
  private long handle;
  private boolean done;

  /**
   * @param handle the request handle MPI wrote
   * @param what the operation, for messages
   * @param memory the buffers the operation uses; freed once it completes
   */
  Request(long handle, String what, Memory... memory) {
    this(handle, what, null, memory);
  }

  /**
   * @param pool where the buffers go back to once the operation completes, or {@code null}
   */
  Request(long handle, String what, NativeBuffers pool, Memory... memory) {
    this.handle = handle;
    this.what = what;
    this.pool = pool;
    this.memory = new ArrayList<>(Arrays.asList(memory));
  }

  /**
   * Hands over buffers that the owner meant to reuse: when it gives up on the request, they must
   * live until MPI is done with them.
   */
  void attach(Memory... more) {
    memory.addAll(Arrays.asList(more));
  }

  /** Whether the operation is complete; completing it frees its buffers unless told otherwise. */
  boolean test(MpiRuntime rt) {
    if (done) {
      return true;
    }
    Abi mpi = rt.mpi;
    ByteBuffer s = rt.scratch;
    long base = rt.scratchAddress;
    mpi.writeHandle(s, MpiRuntime.REQUEST, handle);
    int rc = mpi.test(base + MpiRuntime.REQUEST, base + MpiRuntime.FLAG, base + MpiRuntime.STATUS);
    rt.check(rc, "MPI_Test of " + what);
    if (s.getInt(MpiRuntime.FLAG) == 0) {
      return false;
    }
    done = true;
    return true;
  }

  boolean done() {
    return done;
  }

  /** Frees the buffers; only once {@link #test} has said done. */
  void release() {
    if (!done) {
      throw new IllegalStateException(what + " is still in flight");
    }
    for (Memory m : memory) {
      if (m == null) {
        continue;
      }
      if (pool != null) {
        pool.give(m);
      } else {
        m.close();
      }
    }
    memory.clear();
  }

  String what() {
    return what;
  }
}
