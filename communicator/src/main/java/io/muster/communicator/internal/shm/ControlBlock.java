package io.muster.communicator.internal.shm;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared page of a communicator that same-machine peers map: a header (who owns it, whether it
 * has closed) and the inbound counters of its semaphores, one per 64-byte line so counters of
 * different semaphores never share a cache line. The owner reads its counters; peers add to them.
 */
public final class ControlBlock {
  static final int SIZE = 1 << 20;
  private static final long MAGIC = 0x4D5553544552_4342L; // "MUSTERCB"
  private static final int MAGIC_AT = 0;
  private static final int CLOSED_AT = 8;
  private static final int PID_AT = 16;
  private static final int LINE = 64;

  /** How many semaphores one communicator can own. */
  public static final int SLOTS = SIZE / LINE - 1;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final VarHandle INTS =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

  private final ByteBuffer buffer;
  private final String path;
  private final AtomicInteger nextSlot = new AtomicInteger();

  private ControlBlock(ByteBuffer buffer, String path) {
    this.buffer = buffer;
    this.path = path;
  }

  /** Creates this communicator's block. */
  public static ControlBlock create(SharedFiles files) {
    ByteBuffer buffer = files.create("control", SIZE);
    LONGS.setVolatile(buffer, PID_AT, ProcessHandle.current().pid());
    LONGS.setVolatile(buffer, MAGIC_AT, MAGIC);
    return new ControlBlock(buffer, files.pathOf(buffer));
  }

  /** Maps the block of {@code owner}, whose path came in its endpoint. */
  public static ControlBlock open(SharedFiles files, String path, int owner) {
    ByteBuffer buffer = files.map(path, 0, SIZE, owner);
    if ((long) LONGS.getVolatile(buffer, MAGIC_AT) != MAGIC) {
      throw new BootstrapException(
          Code.PROTOCOL,
          "rank " + owner + "'s control file " + path + " is not a communicator control block",
          List.of(owner));
    }
    return new ControlBlock(buffer, path);
  }

  public String path() {
    return path;
  }

  /** The process that owns the block. */
  public long pid() {
    return (long) LONGS.getVolatile(buffer, PID_AT);
  }

  /** Tells every peer that the owner has closed. */
  public void markClosed() {
    INTS.setVolatile(buffer, CLOSED_AT, 1);
  }

  public boolean isClosed() {
    return (int) INTS.getVolatile(buffer, CLOSED_AT) != 0;
  }

  /** Reserves a counter of this (own) block for a new semaphore. */
  public int allocateSlot() {
    int slot = nextSlot.getAndIncrement();
    if (slot >= SLOTS) {
      throw new IllegalStateException(
          "this communicator already owns "
              + SLOTS
              + " same-machine semaphores, the most it can: reuse semaphores rather than build"
              + " new ones");
    }
    return slot;
  }

  /** Whether {@code slot} could name a counter (for descriptors from peers). */
  public static boolean isSlot(int slot) {
    return slot >= 0 && slot < SLOTS;
  }

  public long count(int slot) {
    return (long) LONGS.getVolatile(buffer, offset(slot));
  }

  /** Adds one to the counter; everything written before becomes visible with it. */
  public void increment(int slot) {
    LONGS.getAndAdd(buffer, offset(slot), 1L);
  }

  private static int offset(int slot) {
    return LINE * (slot + 1);
  }
}
