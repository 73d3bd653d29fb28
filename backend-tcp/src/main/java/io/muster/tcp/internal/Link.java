package io.muster.tcp.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection carrying frames ({@link Wire}). Writers write straight to the socket from
 * their own thread and queue only what the kernel does not take (OP_WRITE is set only while that
 * queue is non-empty). Reading is done by the loop, or lent to a receiver that spins waiting for
 * this link ({@link #pollInline}), so a message reaches its caller without a thread hand-off.
 */
public final class Link implements IoLoop.Handler {
  private static final Logger log = LoggerFactory.getLogger(Link.class);

  /** Heap arrays are written and read in windows this big, so the JDK never copies more at once. */
  private static final int WINDOW = 256 * 1024;

  /** Above this size, a message the kernel does not take at once is lent, not copied. */
  private static final int BIG = 1 << 20;

  /** Queued bytes above which a sender waits for the network to take some. */
  private static final long QUEUE_LIMIT = 64L << 20;

  /** How long reading stays lent to receivers after one returns with its message. */
  private static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(1000);

  private static final byte[] EMPTY = new byte[0];

  /** What a link tells its owner. Frames arrive in order, from one thread at a time. */
  public interface Listener {
    default void onConnected(Link link) {}

    void onFrame(Link link, byte type, int tag, byte[] payload);

    /** Called once, when the link is gone; {@code cause} says why. */
    void onClosed(Link link, Exception cause);
  }

  private final IoLoop loop;
  private final SocketChannel channel;
  private final String remote;
  private volatile SelectionKey key;
  private volatile Listener listener;
  private volatile int limit;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.concurrent.CountDownLatch closedLatch =
      new java.util.concurrent.CountDownLatch(1);

  // Reading: whoever holds `reading` owns these.
  private final AtomicBoolean reading = new AtomicBoolean();
  private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
  private byte[] body;
  private int bodyPos;
  private byte bodyType;
  private int bodyTag;
  private final AtomicBoolean suspended = new AtomicBoolean();
  private final Object lending = new Object(); // held while suspended, interest and timer change
  private volatile long resumeAt;
  private volatile long lastReadNanos = System.nanoTime();

  // Writing: guarded by writeLock.
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Condition drained = writeLock.newCondition();
  private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
  private final ByteBuffer small = ByteBuffer.allocateDirect(64 * 1024);
  private long queued;
  private volatile long lastWriteNanos = System.nanoTime();

  /** How long a sender waits for the network to take an over-full queue. */
  volatile long writeTimeoutNanos = TimeUnit.MINUTES.toNanos(5);

  /** Cause of an abnormal close, for senders that come later. */
  private volatile Exception closeCause;

  Link(IoLoop loop, SocketChannel channel, String remote, Listener listener, int limit) {
    this.loop = loop;
    this.channel = channel;
    this.remote = remote;
    this.listener = listener;
    this.limit = limit;
  }

  /** Starts a non-blocking connect; {@link Listener#onConnected} follows on the loop. */
  static Link connect(IoLoop loop, InetSocketAddress to, Listener listener, int limit)
      throws IOException {
    SocketChannel ch = SocketChannel.open();
    try {
      ch.configureBlocking(false);
      ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
      Link link = new Link(loop, ch, to.toString(), listener, limit);
      boolean done = ch.connect(to);
      link.key = loop.register(ch, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, link);
      if (done) {
        listener.onConnected(link);
      }
      return link;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Wraps an accepted channel; call on the loop. */
  static Link accepted(IoLoop loop, SocketChannel ch, Listener listener, int limit)
      throws IOException {
    ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
    String remote;
    try {
      remote = String.valueOf(ch.getRemoteAddress());
    } catch (IOException e) {
      remote = "?";
    }
    Link link = new Link(loop, ch, remote, listener, limit);
    link.key = loop.register(ch, SelectionKey.OP_READ, link);
    return link;
  }

  /** The remote address, for messages. */
  public String remote() {
    return remote;
  }

  /** Hands the link to a new listener with a new frame limit (after the handshake). */
  void become(Listener next, int newLimit) {
    this.limit = newLimit;
    this.listener = next;
  }

  public boolean isClosed() {
    return closed.get();
  }

  long lastReadNanos() {
    return lastReadNanos;
  }

  long lastWriteNanos() {
    return lastWriteNanos;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Sends one frame. Returns once the kernel has the bytes or a copy of the rest is queued; waits
   * only while more than {@code QUEUE_LIMIT} bytes are queued.
   *
   * @throws IOException if the link is closed or the socket fails
   */
  public void send(byte type, int tag, byte[] payload) throws IOException {
    send(type, tag, payload, false);
  }

  /**
   * Sends one frame.
   *
   * @param owned whether the link may keep {@code payload} (nobody changes it later): then what the
   *     kernel does not take is queued without a copy
   */
  void send(byte type, int tag, byte[] payload, boolean owned) throws IOException {
    boolean mayWait = !loop.inLoop(); // the loop must never wait for itself
    writeLock.lock();
    try {
      if (closed.get()) {
        throw closedException();
      }
      lastWriteNanos = System.nanoTime();
      int off = 0;
      if (queue.isEmpty()) {
        if (payload.length + Wire.HEADER <= small.capacity()) {
          small.clear();
          small.putInt(payload.length).put(type).putInt(tag).put(payload).flip();
          channel.write(small);
          if (small.hasRemaining()) {
            ByteBuffer rest = ByteBuffer.allocate(small.remaining());
            rest.put(small).flip();
            enqueue(rest);
          }
          return;
        }
        ByteBuffer header = header(type, tag, payload.length);
        channel.write(header);
        if (header.hasRemaining()) {
          enqueue(header);
        } else {
          off = writeFrom(payload);
        }
      } else {
        enqueue(header(type, tag, payload.length));
      }
      if (off == payload.length) {
        return;
      }
      if (owned) {
        enqueue(ByteBuffer.wrap(payload, off, payload.length - off));
      } else if (payload.length > BIG && mayWait) {
        // Rather than copy a large message, lend it to the loop and wait until the kernel has
        // it all: the wait is on the network, never on the receiver's recv.
        ByteBuffer rest = ByteBuffer.wrap(payload, off, payload.length - off);
        enqueue(rest);
        awaitWritten(rest);
        return;
      } else {
        enqueue(ByteBuffer.wrap(java.util.Arrays.copyOfRange(payload, off, payload.length)));
      }
      if (mayWait) {
        long wait = writeTimeoutNanos;
        while (queued > QUEUE_LIMIT && !closed.get()) {
          wait = awaitDrain(wait);
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  /** Waits (holding writeLock) until {@code b} has gone to the kernel. */
  private void awaitWritten(ByteBuffer b) throws IOException {
    long wait = writeTimeoutNanos;
    while (b.hasRemaining() && !closed.get()) {
      wait = awaitDrain(wait);
    }
    if (b.hasRemaining()) {
      throw closedException();
    }
  }

  private long awaitDrain(long wait) throws IOException {
    if (wait <= 0) {
      throw new IOException(
          remote
              + " has not taken "
              + (queued >> 20)
              + " MiB queued for it in "
              + java.time.Duration.ofNanos(writeTimeoutNanos).toSeconds()
              + "s; is that process stopped?");
    }
    try {
      return drained.awaitNanos(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(
          "interrupted while the queue to " + remote + " drains");
    }
  }

  private static ByteBuffer header(byte type, int tag, int length) {
    return ByteBuffer.allocate(Wire.HEADER).putInt(length).put(type).putInt(tag).flip();
  }

  /** Writes {@code payload} in windows until the kernel stops taking it; returns bytes written. */
  private int writeFrom(byte[] payload) throws IOException {
    int off = 0;
    while (off < payload.length) {
      int len = Math.min(WINDOW, payload.length - off);
      int n = channel.write(ByteBuffer.wrap(payload, off, len));
      off += n;
      if (n < len) {
        break;
      }
    }
    return off;
  }

  private void enqueue(ByteBuffer b) {
    boolean wasEmpty = queue.isEmpty();
    queue.addLast(b);
    queued += b.remaining();
    if (wasEmpty) {
      SelectionKey k = key;
      if (k != null && k.isValid()) {
        k.interestOpsOr(SelectionKey.OP_WRITE);
        loop.wakeup();
      }
    }
  }

  /** Writes queued bytes; on the loop when the socket is writable. */
  private void flushQueue() throws IOException {
    writeLock.lock();
    try {
      while (!queue.isEmpty()) {
        ByteBuffer b = queue.peekFirst();
        while (b.hasRemaining()) {
          ByteBuffer window = b.duplicate();
          window.limit(Math.min(b.limit(), b.position() + WINDOW));
          int want = window.remaining();
          int n = channel.write(window);
          b.position(b.position() + n);
          queued -= n;
          if (n < want) {
            return; // kernel full: OP_WRITE stays set
          }
        }
        queue.pollFirst();
        drained.signalAll(); // a sender may be waiting for this very buffer
      }
      key.interestOpsAnd(~SelectionKey.OP_WRITE);
      drained.signalAll();
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Waits until everything queued has gone to the kernel, up to {@code nanos}.
   *
   * @return whether the queue drained
   */
  boolean awaitDrained(long nanos) {
    writeLock.lock();
    try {
      while (!queue.isEmpty() && !closed.get()) {
        if (nanos <= 0) {
          return false;
        }
        nanos = drained.awaitNanos(nanos);
      }
      return queue.isEmpty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Half-closes: no more frames from this side. The peer reads everything sent so far and then the
   * end of the stream, and closes its side, which ends this link too; unlike a full close, no reset
   * can destroy data still in flight.
   */
  void finishOutput() {
    writeLock.lock();
    try {
      if (!closed.get()) {
        channel.shutdownOutput();
      }
    } catch (IOException e) {
      log.debug("half-closing link to {}", remote, e);
    } finally {
      writeLock.unlock();
    }
  }

  /** Waits until the link is closed (the peer answered our half-close), up to {@code nanos}. */
  boolean awaitClosed(long nanos) {
    try {
      return closedLatch.await(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // ---------------------------------------------------------------- reading

  @Override
  public void ready(SelectionKey k) throws IOException {
    if (k.isConnectable()) {
      if (channel.finishConnect()) {
        k.interestOps(SelectionKey.OP_READ);
        listener.onConnected(this);
      }
      return;
    }
    if (k.isWritable()) {
      flushQueue();
    }
    if (k.isValid() && k.isReadable()) {
      if (reading.compareAndSet(false, true)) {
        try {
          readFrames();
        } finally {
          reading.set(false);
        }
      } else {
        suspendReads(); // a spinning receiver reads this link; don't spin the loop on readiness
        if (!reading.get()) {
          resumeReads(); // it left between our look and our suspension
        }
      }
    }
  }

  /**
   * Reads what has arrived, for a receiver that spins on this link. While receivers poll, the loop
   * stops watching the link (no wake-up per message on the loop thread, which would compete with
   * them for cores); it watches again once nobody has polled for a moment.
   *
   * @return whether anything was read
   */
  public boolean pollInline() {
    if (closed.get() || !reading.compareAndSet(false, true)) {
      return false;
    }
    try {
      resumeAt = System.nanoTime() + LINGER_NANOS;
      if (!suspended.get()) {
        suspendReads();
      }
      return readFrames();
    } catch (IOException | RuntimeException e) {
      failed(e);
      return true;
    } finally {
      reading.set(false);
    }
  }

  /** A spinning receiver stopped; if it now parks, the loop must read for it at once. */
  public void stopPolling(boolean stillWaiting) {
    if (stillWaiting) {
      resumeReads();
    } else {
      resumeAt = System.nanoTime() + LINGER_NANOS;
    }
  }

  /*
   * The flag, the loop's read interest and the resume timer change together, under `lending`.
   * Changed one by one, a suspend that lost the core between setting the flag and dropping the
   * interest, while a receiver that stopped spinning resumed in between, ended with the flag clear
   * and the interest dropped: the timer then had nothing to resume, and a receiver that parked
   * waited for bytes that nobody read (two ranks stalled in a collective that way).
   */

  /** Stops the loop from watching this link for reads. Any thread. */
  private void suspendReads() {
    synchronized (lending) {
      if (suspended.get()) {
        return;
      }
      suspended.set(true);
      resumeAt = System.nanoTime() + LINGER_NANOS;
      SelectionKey k = key;
      if (k != null && k.isValid()) {
        k.interestOpsAnd(~SelectionKey.OP_READ);
      }
      loop.fast();
      loop.addTimer(resumer);
    }
  }

  /** Has the loop watch this link for reads again. Any thread. */
  private void resumeReads() {
    synchronized (lending) {
      if (!suspended.get()) {
        return;
      }
      suspended.set(false);
      loop.removeTimer(resumer);
      loop.slow();
      SelectionKey k = key;
      if (k != null && k.isValid()) {
        k.interestOpsOr(SelectionKey.OP_READ);
        if (!loop.inLoop()) {
          loop.wakeup(); // a sleeping select would not see the new interest until it wakes
        }
      }
    }
  }

  private final IoLoop.Timer resumer =
      now -> {
        if (!reading.get() && now - resumeAt >= 0) {
          resumeReads();
        }
      };

  /**
   * One read, then every complete frame in the buffer to the listener; loops while reads fill it.
   */
  private boolean readFrames() throws IOException {
    boolean any = false;
    while (true) {
      if (body != null && body.length - bodyPos >= WINDOW && in.position() == 0) {
        int n =
            channel.read(ByteBuffer.wrap(body, bodyPos, Math.min(WINDOW, body.length - bodyPos)));
        if (n < 0) {
          throw new EOFException("end of stream in the middle of a frame");
        }
        if (n == 0) {
          return any;
        }
        lastReadNanos = System.nanoTime();
        any = true;
        bodyPos += n;
        if (bodyPos == body.length) {
          finishBody();
        }
        continue;
      }
      int space = in.remaining();
      int n = channel.read(in);
      if (n < 0) {
        if (body != null || in.position() > 0) {
          throw new EOFException("end of stream in the middle of a frame");
        }
        eof();
        return true;
      }
      if (n > 0) {
        lastReadNanos = System.nanoTime();
        any = true;
      }
      in.flip();
      parse();
      in.compact();
      if (n < space) {
        return any; // the kernel had no more; a full buffer means there may be more
      }
    }
  }

  private void parse() throws IOException {
    while (true) {
      if (body != null) {
        int take = Math.min(in.remaining(), body.length - bodyPos);
        in.get(body, bodyPos, take);
        bodyPos += take;
        if (bodyPos < body.length) {
          return;
        }
        finishBody();
        continue;
      }
      if (in.remaining() < Wire.HEADER) {
        return;
      }
      int p = in.position();
      int length = in.getInt(p);
      byte type = in.get(p + 4);
      int tag = in.getInt(p + 5);
      if (length < 0 || length > limit) {
        throw new FrameTooLarge(length, limit);
      }
      in.position(p + Wire.HEADER);
      bodyType = type;
      bodyTag = tag;
      bodyPos = 0;
      body = length == 0 ? EMPTY : new byte[length];
      if (length == 0) {
        finishBody();
      }
    }
  }

  private void finishBody() {
    byte[] b = body;
    body = null;
    listener.onFrame(this, bodyType, bodyTag, b);
  }

  /** The peer closed cleanly. */
  private void eof() {
    closeQuietly(new EOFException("connection closed by " + remote));
  }

  /** A frame longer than the link allows: not ours, or corrupt. */
  static final class FrameTooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    FrameTooLarge(int length, int limit) {
      super("a frame claims " + length + " bytes, more than the " + limit + " allowed here");
    }
  }

  // ---------------------------------------------------------------- closing

  @Override
  public void failed(Exception cause) {
    closeQuietly(cause);
  }

  /** Closes the socket now; the listener hears {@code cause}. Safe from any thread. */
  public void closeQuietly(Exception cause) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeCause = cause;
    closedLatch.countDown();
    SelectionKey k = key;
    if (k != null) {
      k.cancel();
    }
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing link to {}", remote, e);
    }
    resumeReads();
    writeLock.lock();
    try {
      queue.clear();
      queued = 0;
      drained.signalAll();
    } finally {
      writeLock.unlock();
    }
    try {
      listener.onClosed(this, cause);
    } catch (RuntimeException e) {
      log.warn("link listener failed on close of {}", remote, e);
    }
  }

  private IOException closedException() {
    Exception c = closeCause;
    return new IOException(
        "the connection to " + remote + " is closed" + (c == null ? "" : ": " + c.getMessage()), c);
  }

  @Override
  public String toString() {
    return "Link[" + remote + (closed.get() ? ", closed" : "") + "]";
  }
}
