package io.muster.cli.bench;

import io.muster.cli.bench.report.Metrics;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The physical floor: the same ping-pong as the bench's, between two JVM processes over a plain
 * {@link SocketChannel} and nothing else, once with blocking reads (each side sleeps in the kernel
 * until its message arrives, as Gloo's ranks do) and once busy-polling a non-blocking channel (as
 * MSCCL++'s do). Every Muster figure is shown as a ratio to these, measured in the same run.
 *
 * <p>Rank 0 ({@code MUSTER_RANK}) echoes, rank 1 times and reports; both find each other at the
 * address of {@code MUSTER_URI} ({@code tcp://127.0.0.1:PORT}).
 */
public final class Floor {
  private static final int BLOCKING = 0;
  private static final int SPINNING = 1;
  private static final int END = -1;

  private Floor() {}

  /** Arguments: {@link BenchSettings#toArgs()}. */
  public static void main(String[] args) throws IOException {
    BenchSettings settings = BenchSettings.fromArgs(args, 0);
    URI at = URI.create(System.getenv("MUSTER_URI"));
    InetSocketAddress address = new InetSocketAddress(at.getHost(), at.getPort());
    if (System.getenv("MUSTER_RANK").equals("0")) {
      echo(address);
    } else {
      try (ControlLink link = ControlLink.connect(1)) {
        try {
          ping(address, settings, link);
          link.done();
        } catch (IOException | RuntimeException e) {
          link.fail("the floor's ping-pong failed: " + e);
          throw e;
        }
      }
    }
  }

  private static void echo(InetSocketAddress address) throws IOException {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(address);
      try (SocketChannel c = server.accept()) {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ByteBuffer header = ByteBuffer.allocate(3 * Integer.BYTES);
        ByteBuffer buffer = ByteBuffer.allocateDirect(0);
        while (true) {
          header.clear();
          readFully(c, header, false);
          header.flip();
          int mode = header.getInt();
          int size = header.getInt();
          long count = header.getInt();
          if (mode == END) {
            return;
          }
          if (buffer.capacity() < size) {
            buffer = ByteBuffer.allocateDirect(size);
          }
          boolean spin = mode == SPINNING;
          c.configureBlocking(!spin);
          for (long i = 0; i < count; i++) {
            buffer.clear().limit(size);
            readFully(c, buffer, spin);
            buffer.flip();
            writeFully(c, buffer, spin);
          }
          c.configureBlocking(true);
        }
      }
    }
  }

  private static void ping(InetSocketAddress address, BenchSettings settings, ControlLink link)
      throws IOException {
    try (SocketChannel c = connect(address)) {
      c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ByteBuffer header = ByteBuffer.allocate(3 * Integer.BYTES);
      for (int mode : new int[] {BLOCKING, SPINNING}) {
        String floor = mode == SPINNING ? Metrics.FLOOR_SPINNING : Metrics.FLOOR_BLOCKING;
        for (int bytes : settings.pingPongSizes()) {
          String metric = Metrics.pingPong(bytes);
          link.progress(floor + " " + metric);
          int iterations = settings.pingPongIterations(bytes);
          int warmup = Math.min(settings.warmup(), iterations);
          int reps = settings.repetitions();
          header.clear();
          header.putInt(mode).putInt(bytes).putInt(warmup + reps * iterations).flip();
          writeFully(c, header, false);
          ByteBuffer buffer = ByteBuffer.allocateDirect(bytes);
          while (buffer.hasRemaining()) {
            buffer.put((byte) 0x5a);
          }
          boolean spin = mode == SPINNING;
          c.configureBlocking(!spin);
          for (int i = 0; i < warmup; i++) {
            roundTrip(c, buffer, spin);
          }
          boolean keepSamples = bytes == settings.pingPongSizes().get(0);
          long[] samples = new long[keepSamples ? reps * iterations : 0];
          long[] mean = new long[reps];
          for (int r = 0; r < reps; r++) {
            long start = System.nanoTime();
            long last = start;
            for (int i = 0; i < iterations; i++) {
              roundTrip(c, buffer, spin);
              if (keepSamples) {
                long now = System.nanoTime();
                samples[r * iterations + i] = now - last;
                last = now;
              }
            }
            mean[r] = (System.nanoTime() - start) / iterations;
          }
          c.configureBlocking(true);
          link.result(floor + "/" + metric, mean);
          if (keepSamples) {
            link.samples(floor + "/" + metric, samples);
          }
        }
      }
      header.clear();
      header.putInt(END).putInt(0).putInt(0).flip();
      writeFully(c, header, false);
    }
  }

  private static void roundTrip(SocketChannel c, ByteBuffer buffer, boolean spin)
      throws IOException {
    buffer.clear();
    writeFully(c, buffer, spin);
    buffer.clear();
    readFully(c, buffer, spin);
  }

  /** Rank 0 may not listen yet: retry for a while. */
  private static SocketChannel connect(InetSocketAddress address) throws IOException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return SocketChannel.open(address);
      } catch (ConnectException e) {
        if (System.nanoTime() - end >= 0) {
          throw e;
        }
        try {
          Thread.sleep(10); // polling a port that is not open yet: no condition to wait on
        } catch (InterruptedException x) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted connecting to the echo process", x);
        }
      }
    }
  }

  private static void readFully(SocketChannel c, ByteBuffer b, boolean spin) throws IOException {
    while (b.hasRemaining()) {
      int n = c.read(b);
      if (n < 0) {
        throw new EOFException("the other side closed the connection");
      }
      if (n == 0 && spin) {
        Thread.onSpinWait();
      }
    }
  }

  private static void writeFully(SocketChannel c, ByteBuffer b, boolean spin) throws IOException {
    while (b.hasRemaining()) {
      if (c.write(b) == 0 && spin) {
        Thread.onSpinWait();
      }
    }
  }
}
