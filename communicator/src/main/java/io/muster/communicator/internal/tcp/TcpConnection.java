package io.muster.communicator.internal.tcp;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.communicator.Semaphore;
import io.muster.communicator.Transport;
import io.muster.communicator.internal.AbstractConnection;
import io.muster.communicator.internal.Context;
import io.muster.communicator.internal.CountingSemaphore;
import io.muster.communicator.internal.Memory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP connection. Writes and signals are frames sent by the calling thread (one at a time); a
 * reader thread applies the peer's frames in order: a write goes straight from the socket into the
 * registered memory it names, after its bounds are checked, and a signal counts one up. Since the
 * reader only reads, two ranks writing to each other never wait on each other.
 *
 * <p>A frame is a 24-byte header (type, id, offset, length), followed by the data of a write.
 */
final class TcpConnection extends AbstractConnection {
  private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);
  private static final int HEADER = 24;
  private static final int WRITE = 1;
  private static final int SIGNAL = 2;
  private static final long MAX_PARK_NANOS = 50_000_000L;

  private final SocketChannel channel;
  private final ReentrantLock sending = new ReentrantLock();
  private final ConcurrentHashMap<Integer, Inbound> semaphores = new ConcurrentHashMap<>();
  private final AtomicInteger nextSemaphore = new AtomicInteger();
  private final Thread reader;
  private volatile BootstrapException failure;
  private volatile boolean closing;

  /** Signals that arrived for one semaphore, counted before the semaphore may even exist. */
  private static final class Inbound {
    final AtomicLong count = new AtomicLong();
    volatile CountingSemaphore semaphore;

    void arrived() {
      count.incrementAndGet();
      wake();
    }

    void wake() {
      CountingSemaphore s = semaphore;
      if (s != null) {
        s.wake();
      }
    }
  }

  TcpConnection(Context context, int remoteRank, int tag, long pairId, SocketChannel channel) {
    super(context, Transport.TCP, remoteRank, tag, pairId);
    this.channel = channel;
    this.reader =
        new Thread(
            this::readLoop,
            "muster-communicator-r" + context.rank() + "-tcp-from-r" + remoteRank + "-tag" + tag);
    reader.setDaemon(true);
  }

  @Override
  protected void start() {
    reader.start();
  }

  @Override
  protected void doWrite(Memory dst, long dstOffset, Memory src, long srcOffset, long n) {
    if (src.host() == null) {
      throw new IllegalArgumentException(
          "src " + src + " is device memory; TCP writes host memory");
    }
    ByteBuffer header = header(WRITE, dst.descriptor().id(), dstOffset, n);
    send("write", header, src.host().slice((int) srcOffset, (int) n));
  }

  private static ByteBuffer header(int type, int id, long offset, long length) {
    ByteBuffer h = ByteBuffer.allocate(HEADER);
    h.putInt(type).putInt(id).putLong(offset).putLong(length).flip();
    return h;
  }

  private void send(String operation, ByteBuffer... frame) {
    ByteBuffer last = frame[frame.length - 1];
    sending.lock();
    try {
      BootstrapException f = failure();
      if (f != null) {
        throw failed(f, operation);
      }
      while (last.hasRemaining()) {
        channel.write(frame);
      }
    } catch (IOException e) {
      throw failed(fail(lost(e)), operation);
    } finally {
      sending.unlock();
    }
  }

  @Override
  public void flush() {
    // A write has handed all its bytes to the socket when it returns.
    BootstrapException f = failure();
    if (f != null) {
      throw failed(f, "flush");
    }
  }

  @Override
  public BootstrapException failure() {
    BootstrapException c = context.closedError();
    return c != null ? c : failure;
  }

  @Override
  public SemaphoreSetup semaphore() {
    int id = nextSemaphore.getAndIncrement();
    Inbound inbound = new Inbound();
    semaphores.put(id, inbound);
    return new SemaphoreSetup() {
      @Override
      public int localIndex() {
        return id;
      }

      @Override
      public Semaphore complete(int remoteId) {
        if (remoteId < 0) {
          throw new BootstrapException(
              Code.PROTOCOL,
              "rank " + remoteRank + " named TCP semaphore " + remoteId,
              List.of(remoteRank));
        }
        CountingSemaphore s =
            new CountingSemaphore(
                TcpConnection.this,
                inbound.count::get,
                () -> send("signal", header(SIGNAL, remoteId, 0, 0)),
                MAX_PARK_NANOS);
        inbound.semaphore = s;
        return s;
      }
    };
  }

  private void readLoop() {
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    try {
      while (true) {
        header.clear();
        if (!readFully(header, true)) {
          fail(
              new BootstrapException(
                  Code.PEER_LOST,
                  "rank "
                      + remoteRank
                      + " closed the TCP connection: it closed its communicator or died",
                  List.of(remoteRank)));
          return;
        }
        int type = header.getInt(0);
        int id = header.getInt(4);
        long offset = header.getLong(8);
        long length = header.getLong(16);
        if (type == WRITE) {
          ByteBuffer into = target(id, offset, length);
          if (!readFully(into, false)) {
            throw new IOException("the connection ended in the middle of a write");
          }
        } else if (type == SIGNAL) {
          Inbound inbound = semaphores.get(id);
          if (inbound == null) {
            throw protocol("a signal for semaphore " + id + ", which this side never built");
          }
          inbound.arrived();
        } else {
          throw protocol("a frame of unknown type " + type);
        }
      }
    } catch (IOException e) {
      if (!closing) {
        fail(lost(e));
      }
    } catch (BootstrapException e) {
      log.warn("{}: {}; closing the connection", describe(), e.getMessage());
      fail(e);
    } finally {
      TcpLink.close(channel);
    }
  }

  /** The registered region a write frame names, checked against the registration. */
  private ByteBuffer target(int id, long offset, long length) {
    Memory m = context.memory(id);
    if (m == null || m.host() == null || !m.transports().contains(Transport.TCP)) {
      throw protocol("a write into memory " + id + ", which is no TCP-registered host memory here");
    }
    if (length < 0 || offset < 0 || offset > m.size() - length) {
      throw protocol(
          "a write of "
              + length
              + " bytes at offset "
              + offset
              + " into the "
              + m.size()
              + "-byte memory "
              + id);
    }
    return m.host().slice((int) offset, (int) length);
  }

  private BootstrapException protocol(String what) {
    return new BootstrapException(
        Code.PROTOCOL, "rank " + remoteRank + " sent " + what, List.of(remoteRank));
  }

  /** Fills {@code b}; false if the stream ended before its first byte and that is allowed. */
  private boolean readFully(ByteBuffer b, boolean endAllowed) throws IOException {
    int start = b.position();
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        if (endAllowed && b.position() == start) {
          return false;
        }
        throw new IOException("the connection ended in the middle of a frame");
      }
    }
    return true;
  }

  private BootstrapException lost(IOException e) {
    BootstrapException c = context.closedError();
    if (c != null || closing) {
      return c != null ? c : new BootstrapException(Code.CLOSED, "the connection is closed");
    }
    return new BootstrapException(
        Code.PEER_LOST,
        "the TCP connection to rank " + remoteRank + " failed: " + e.getMessage(),
        List.of(remoteRank),
        e);
  }

  private BootstrapException fail(BootstrapException e) {
    synchronized (this) {
      if (failure == null) {
        failure = e;
      }
    }
    for (Inbound in : semaphores.values()) {
      in.wake();
    }
    return failure;
  }

  @Override
  protected void close() {
    closing = true;
    TcpLink.close(channel);
    for (Inbound in : semaphores.values()) {
      in.wake();
    }
  }

  @Override
  protected boolean join(long nanos) {
    try {
      reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !reader.isAlive();
  }
}
