package io.muster.mpi.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.InlineProgress;
import io.muster.spi.Mailbox;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The point-to-point messages of one group, over MPI.
 *
 * <p><b>Tags.</b> User messages travel on a communicator of their own, with the user's tag as the
 * MPI tag. MPI only promises tags up to {@code MPI_TAG_UB} (at least 32767; Open MPI's ob1 allows
 * {@code 2^31-1}), so tags from {@link #overflowTag} up share that one MPI tag and carry their own
 * in a 4-byte prefix. The collectives' messages (negative tags inside Muster) and the roll call
 * travel on a second communicator, so they can never be mistaken for user messages.
 *
 * <p><b>Sending</b> copies the message into native memory and posts {@code MPI_Isend}; it never
 * waits for the receiver. Sends that do not complete at once are finished by later polls.
 *
 * <p><b>Receiving</b> is polling: {@code MPI_Improbe} on both communicators, then {@code
 * MPI_Imrecv} of what it matched into native memory. Messages from one peer are delivered to the
 * {@link Mailbox} in the order MPI matched them, which MPI keeps in send order, so per-(peer, tag)
 * FIFO holds even when a large message takes longer to arrive than a small one behind it.
 */
final class MpiMessages implements InlineProgress {
  private static final Logger log = LoggerFactory.getLogger(MpiMessages.class);

  /** The MPI tag of roll-call messages on the internal communicator. */
  static final int CONTROL_TAG = 1000;

  /** How many probes one poll makes per communicator, so a flood cannot hold the lock long. */
  private static final int PROBES_PER_POLL = 32;

  private static final Memory NOTHING = new Memory(1); // the buffer of empty messages

  /**
   * {@code -Dmuster.mpi.maxTag} lowers the tag bound below MPI's, so tests can take the prefixed
   * path that tags above {@code MPI_TAG_UB} take.
   */
  private static final int MAX_TAG =
      Math.max(1, Integer.getInteger("muster.mpi.maxTag", Integer.MAX_VALUE));

  /** Hears roll-call messages. */
  interface ControlListener {
    void onControl(int peer, byte[] payload);
  }

  private final MpiRuntime rt;
  private final Abi mpi;
  private final Communicator user;
  private final Communicator internal;
  private final int rank;
  private final int overflowTag;
  private final Mailbox mailbox;
  private final NativeBuffers buffers = new NativeBuffers();
  private final ArrayDeque<Request> sends = new ArrayDeque<>(); // guarded by rt's lock
  private final ArrayDeque<Incoming>[] incoming; // by peer, in match order; guarded by rt's lock
  private int incomingCount; // guarded by rt's lock
  // Polls deliver in the order they matched: each batch takes a ticket under the MPI lock and
  // waits for its turn outside it, so copying a large message never holds MPI up.
  private long nextTicket; // guarded by rt's lock
  private final AtomicLong served = new AtomicLong();
  private volatile ControlListener control;
  private volatile Runnable onWaiting;
  private volatile boolean closed;

  /** A matched message being received. */
  private static final class Incoming {
    final Request request;
    final Memory buffer;
    final int length;
    final int peer;
    final boolean internal;
    final int mpiTag;

    Incoming(Request request, Memory buffer, int length, int peer, boolean internal, int mpiTag) {
      this.request = request;
      this.buffer = buffer;
      this.length = length;
      this.peer = peer;
      this.internal = internal;
      this.mpiTag = mpiTag;
    }
  }

  @SuppressWarnings("unchecked")
  MpiMessages(
      MpiRuntime rt,
      Communicator user,
      Communicator internal,
      int rank,
      int size,
      Mailbox mailbox) {
    this.rt = rt;
    this.mpi = rt.mpi;
    this.user = user;
    this.internal = internal;
    this.rank = rank;
    this.mailbox = mailbox;
    this.overflowTag = Math.min(rt.tagUpperBound(), MAX_TAG);
    this.incoming = new ArrayDeque[size];
    for (int i = 0; i < size; i++) {
      incoming[i] = new ArrayDeque<>();
    }
  }

  void control(ControlListener listener) {
    this.control = listener;
  }

  /** What to run when a receiver stops spinning and parks (wakes the progress thread). */
  void onWaiting(Runnable r) {
    this.onWaiting = r;
  }

  // ---------------------------------------------------------------- sending

  /** Sends {@code message} (copied) to {@code peer}; a negative tag is one of Muster's own. */
  void send(int peer, int tag, byte[] message) {
    if (tag < 0) {
      post(peer, internal, -tag, 0, 0, message);
    } else if (tag < overflowTag) {
      post(peer, user, tag, 0, 0, message);
    } else {
      post(peer, user, overflowTag, 4, tag, message);
    }
  }

  /** Sends a roll-call message. */
  void sendControl(int peer, byte[] payload) {
    post(peer, internal, CONTROL_TAG, 0, 0, payload);
  }

  private void post(int peer, Communicator comm, int mpiTag, int prefix, int tag, byte[] message) {
    long total = (long) prefix + message.length;
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a message of " + message.length + " bytes is longer than MPI's count can say");
    }
    Memory buffer = total == 0 ? null : buffers.take(total);
    if (prefix > 0) {
      putTag(buffer, tag);
    }
    if (message.length > 0) {
      buffer.write(prefix, message, 0, message.length);
    }
    long address = Pointer.nativeValue(buffer == null ? NOTHING : buffer);
    rt.lock();
    try {
      if (closed) {
        if (buffer != null) {
          buffers.give(buffer);
        }
        throw closedError("send to rank " + peer);
      }
      rt.check(
          mpi.isend(
              address,
              (int) total,
              mpi.byteType,
              peer,
              mpiTag,
              comm.handle(),
              rt.scratchAddress + MpiRuntime.REQUEST),
          "MPI_Isend to rank " + peer);
      Request r =
          new Request(
              mpi.readHandle(rt.scratch, MpiRuntime.REQUEST),
              "send to rank " + peer,
              buffers,
              buffer);
      if (r.test(rt)) {
        r.release();
      } else {
        sends.addLast(r);
      }
    } finally {
      rt.unlock();
    }
  }

  /** The tag prefix is big-endian, whatever the hosts' byte order. */
  private static void putTag(Memory m, int tag) {
    m.setByte(0, (byte) (tag >>> 24));
    m.setByte(1, (byte) (tag >>> 16));
    m.setByte(2, (byte) (tag >>> 8));
    m.setByte(3, (byte) tag);
  }

  private static int getTag(byte[] b) {
    return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
  }

  // ---------------------------------------------------------------- receiving

  @Override
  public boolean poll(int peer) {
    return progress();
  }

  @Override
  public void stopPolling(int peer, boolean stillWaiting) {
    Runnable r = onWaiting;
    if (stillWaiting && r != null) {
      r.run();
    }
  }

  /**
   * Does what MPI has for this group: matches and receives arrived messages, finishes sends.
   * Returns at once if another thread is doing it.
   *
   * @return whether anything happened
   */
  boolean progress() {
    if (!rt.tryLock()) {
      return false;
    }
    List<Incoming> arrived;
    boolean any;
    long ticket = -1;
    try {
      if (closed) {
        return false;
      }
      arrived = new ArrayList<>(0);
      any = finishReceives(arrived);
      any |= probe(user, false, arrived);
      any |= probe(internal, true, arrived);
      any |= finishSends();
      rt.reapAbandoned();
      if (!arrived.isEmpty()) {
        ticket = nextTicket++;
      }
    } catch (BootstrapException e) {
      mailbox.fail(e);
      throw e;
    } finally {
      rt.unlock();
    }
    if (ticket >= 0) {
      List<byte[]> controls = new ArrayList<>(0);
      List<Integer> controlPeers = new ArrayList<>(0);
      awaitTurn(ticket);
      try {
        for (Incoming in : arrived) {
          byte[] c = deliver(in);
          if (c != null) {
            controls.add(c);
            controlPeers.add(in.peer);
          }
        }
      } finally {
        served.set(ticket + 1);
      }
      ControlListener listener = control;
      for (int i = 0; listener != null && i < controls.size(); i++) {
        listener.onControl(controlPeers.get(i), controls.get(i));
      }
    }
    return any;
  }

  private void awaitTurn(long ticket) {
    for (int spins = 0; served.get() != ticket; spins++) {
      if (spins < 100) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(10_000);
      }
    }
  }

  private boolean probe(Communicator comm, boolean isInternal, List<Incoming> arrived) {
    long base = rt.scratchAddress;
    ByteBuffer s = rt.scratch;
    boolean any = false;
    for (int i = 0; i < PROBES_PER_POLL; i++) {
      rt.check(
          mpi.improbe(
              mpi.anySource,
              mpi.anyTag,
              comm.handle(),
              base + MpiRuntime.FLAG,
              base + MpiRuntime.HANDLE,
              base + MpiRuntime.STATUS),
          "MPI_Improbe");
      if (s.getInt(MpiRuntime.FLAG) == 0) {
        return any;
      }
      any = true;
      int peer = s.getInt(MpiRuntime.STATUS + mpi.statusSourceOffset);
      int mpiTag = s.getInt(MpiRuntime.STATUS + mpi.statusTagOffset);
      rt.check(
          mpi.getCount(base + MpiRuntime.STATUS, mpi.byteType, base + MpiRuntime.COUNT),
          "MPI_Get_count");
      int length = s.getInt(MpiRuntime.COUNT);
      Memory buffer = length == 0 ? null : buffers.take(length);
      rt.check(
          mpi.imrecv(
              Pointer.nativeValue(buffer == null ? NOTHING : buffer),
              length,
              mpi.byteType,
              base + MpiRuntime.HANDLE,
              base + MpiRuntime.REQUEST),
          "MPI_Imrecv from rank " + peer);
      Request r =
          new Request(mpi.readHandle(s, MpiRuntime.REQUEST), "receive from rank " + peer, buffer);
      Incoming in = new Incoming(r, buffer, length, peer, isInternal, mpiTag);
      ArrayDeque<Incoming> queue = incoming[peer];
      if (queue.isEmpty() && r.test(rt)) {
        arrived.add(in);
      } else {
        queue.addLast(in);
        incomingCount++;
      }
    }
    return any;
  }

  private boolean finishReceives(List<Incoming> arrived) {
    if (incomingCount == 0) {
      return false;
    }
    boolean any = false;
    for (ArrayDeque<Incoming> queue : incoming) {
      Incoming head;
      while ((head = queue.peekFirst()) != null && head.request.test(rt)) {
        queue.pollFirst();
        incomingCount--;
        arrived.add(head);
        any = true;
      }
    }
    return any;
  }

  private boolean finishSends() {
    boolean any = false;
    for (int i = sends.size(); i > 0; i--) {
      Request r = sends.pollFirst();
      if (r.test(rt)) {
        r.release();
        any = true;
      } else {
        sends.addLast(r);
      }
    }
    return any;
  }

  /**
   * Copies a received message out of native memory and hands it to the mailbox, outside the MPI
   * lock. Returns a roll-call message instead, to be handled once the turn is over.
   */
  private byte[] deliver(Incoming in) {
    int prefix = !in.internal && in.mpiTag == overflowTag ? 4 : 0;
    byte[] data = new byte[Math.max(0, in.length - prefix)];
    byte[] header = new byte[prefix];
    if (in.buffer != null) {
      in.buffer.read(0, header, 0, prefix);
      in.buffer.read(prefix, data, 0, data.length);
    }
    in.request.release(); // MPI is done with the buffer: its receive completed under the lock
    if (in.internal) {
      if (in.mpiTag == CONTROL_TAG) {
        return data;
      }
      mailbox.deliver(in.peer, -in.mpiTag, data);
    } else if (prefix > 0) {
      if (in.length < 4) {
        log.warn("rank {}: dropped a {}-byte message from rank {}", rank, in.length, in.peer);
        return null;
      }
      mailbox.deliver(in.peer, getTag(header), data);
    } else {
      mailbox.deliver(in.peer, in.mpiTag, data);
    }
    return null;
  }

  // ---------------------------------------------------------------- closing

  /** Whether every send has completed. */
  boolean sendsDone() {
    rt.lock();
    try {
      return sends.isEmpty();
    } finally {
      rt.unlock();
    }
  }

  /**
   * Stops: sends still in flight and receives not yet complete are left to MPI (their memory lives
   * until they finish), and later calls fail with {@code CLOSED}.
   */
  void close() {
    rt.lock();
    try {
      closed = true;
      int unsent = 0;
      for (Request r : sends) {
        if (!r.test(rt)) {
          unsent++;
        }
        rt.abandon(r);
      }
      sends.clear();
      if (unsent > 0) {
        log.warn(
            "rank {}: closing with {} messages not yet taken by their receivers", rank, unsent);
      }
      for (ArrayDeque<Incoming> queue : incoming) {
        for (Incoming in : queue) {
          rt.abandon(in.request);
        }
        queue.clear();
      }
      incomingCount = 0;
    } finally {
      rt.unlock();
    }
    buffers.clear(); // blocks of operations still in flight come back later and are freed then
  }

  private BootstrapException closedError(String operation) {
    BootstrapException f = mailbox.failure();
    if (f != null) {
      return new BootstrapException(f.code(), f.getMessage() + " (in " + operation + ")", f);
    }
    return new BootstrapException(
        Code.CLOSED, "rank " + rank + " is closed (in " + operation + ")");
  }
}
