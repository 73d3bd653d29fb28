package io.muster.communicator.internal;

import io.muster.BootstrapException;
import io.muster.communicator.Connection;
import io.muster.communicator.RegisteredMemory;
import io.muster.communicator.Semaphore;
import io.muster.communicator.Transport;

/**
 * What every transport's connection shares: the checks a write must pass before it touches memory
 * (whose memory, which transport, which bounds), and the failure a closed or lost peer leaves.
 */
public abstract class AbstractConnection implements Connection {
  protected final Context context;
  protected final Transport transport;
  protected final int remoteRank;
  protected final int tag;
  protected final long pairId;

  protected AbstractConnection(
      Context context, Transport transport, int remoteRank, int tag, long pairId) {
    this.context = context;
    this.transport = transport;
    this.remoteRank = remoteRank;
    this.tag = tag;
    this.pairId = pairId;
  }

  /** The setup of a semaphore on this connection, between sending and receiving descriptors. */
  public interface SemaphoreSetup {
    /** Where the peer's signals go, as this side's descriptor carries it. */
    int localIndex();

    /** The semaphore, once the peer's descriptor has told where this side's signals go. */
    Semaphore complete(int remoteIndex);
  }

  @Override
  public final Transport transport() {
    return transport;
  }

  @Override
  public final int remoteRank() {
    return remoteRank;
  }

  @Override
  public final int tag() {
    return tag;
  }

  Context context() {
    return context;
  }

  /** The id both ends of the connection share. */
  long pairId() {
    return pairId;
  }

  @Override
  public final void write(
      RegisteredMemory dst, long dstOffset, RegisteredMemory src, long srcOffset, long length) {
    Memory d = context.own(dst, "dst");
    Memory s = context.own(src, "src");
    if (d.isLocal() || d.rank() != remoteRank) {
      throw new IllegalArgumentException(
          "dst must be memory of rank "
              + remoteRank
              + " (received with recvMemory), the peer of this connection; got "
              + d);
    }
    if (!d.transports().contains(transport)) {
      throw new IllegalArgumentException(
          "dst " + d + " was not registered for " + transport + ", the transport of " + describe());
    }
    if (!s.isLocal()) {
      throw new IllegalArgumentException("src must be memory registered on this rank; got " + s);
    }
    checkRange("dst", dstOffset, length, d);
    checkRange("src", srcOffset, length, s);
    BootstrapException f = failure();
    if (f != null) {
      throw failed(f, "write");
    }
    if (length > 0) {
      doWrite(d, dstOffset, s, srcOffset, length);
    }
  }

  private static void checkRange(String which, long offset, long length, Memory m) {
    if (length < 0) {
      throw new IllegalArgumentException("negative write length " + length);
    }
    if (offset < 0 || offset > m.size() - length) {
      throw new IndexOutOfBoundsException(
          "write of "
              + length
              + " bytes at "
              + which
              + " offset "
              + offset
              + " runs outside the "
              + m.size()
              + "-byte registered memory of rank "
              + m.rank()
              + " (valid offsets for that length: 0.."
              + Math.max(-1, m.size() - length)
              + ")");
    }
  }

  /** Copies a checked range; {@code dst} is the peer's memory, {@code src} a local one. */
  protected abstract void doWrite(Memory dst, long dstOffset, Memory src, long srcOffset, long n);

  /** Why this connection can no longer be used, or null while it can. Cheap: called in loops. */
  public abstract BootstrapException failure();

  /** Reserves this side of a new semaphore. */
  public abstract SemaphoreSetup semaphore();

  /** Starts the connection's own threads, once the communicator has adopted it. */
  protected void start() {}

  /** Releases the connection's sockets and threads (the communicator is closing). */
  protected abstract void close();

  /** Waits for the threads {@link #close()} stopped, up to {@code nanos}; true if all stopped. */
  protected boolean join(long nanos) {
    return true;
  }

  /** A fresh exception for {@code operation} failing because of {@code cause}. */
  protected BootstrapException failed(BootstrapException cause, String operation) {
    return new BootstrapException(
        cause.code(),
        operation + " on " + describe() + " failed: " + cause.getMessage(),
        cause.ranks(),
        cause);
  }

  /** How messages name the connection: {@code TCP connection to rank 1 (tag 0)}. */
  public String describe() {
    return transport
        + " connection from rank "
        + context.rank()
        + " to rank "
        + remoteRank
        + " (tag "
        + tag
        + ")";
  }

  @Override
  public String toString() {
    return "Connection[" + describe() + "]";
  }
}
