package io.muster.communicator.internal.tcp;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.communicator.internal.EndpointDescriptor;
import io.muster.spi.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Making one TCP connection between two ranks: the lower rank listens on a fresh port and sends its
 * address and a random token over the bootstrap; the higher rank dials and says hello with the
 * token. Whatever else connects to the port (a scanner, a stale job) is dropped with a log line.
 */
final class TcpLink {
  private static final Logger log = LoggerFactory.getLogger(TcpLink.class);
  private static final int HELLO_MAGIC = 0x4D55434C; // "MUCL"
  private static final int HELLO_BYTES = 8 + EndpointDescriptor.TOKEN_BYTES;
  private static final long HELLO_MILLIS = 10_000;

  private TcpLink() {}

  static ServerSocketChannel listen(InetAddress address) {
    try {
      ServerSocketChannel server = ServerSocketChannel.open();
      try {
        server.bind(new InetSocketAddress(address, 0), 8);
        return server;
      } catch (IOException | RuntimeException e) {
        server.close();
        throw e;
      }
    } catch (IOException e) {
      throw new BootstrapException(
          Code.CONFIG,
          "cannot listen for a TCP connection on "
              + address.getHostAddress()
              + ": "
              + e.getMessage()
              + "; pass an address of this host to Endpoint.tcp(address)",
          e);
    }
  }

  /** Accepts the peer that presents {@code token}, until {@code timeout}. */
  static SocketChannel accept(
      ServerSocketChannel server, byte[] token, int remoteRank, Duration timeout, String what) {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      long leftMillis = (end - System.nanoTime()) / 1_000_000;
      if (leftMillis <= 0) {
        throw new BootstrapException(
            Code.TIMEOUT,
            "timed out after "
                + Durations.format(timeout)
                + " in "
                + what
                + " waiting for rank "
                + remoteRank
                + " to dial "
                + address(server)
                + ": check that it can reach this address",
            List.of(remoteRank));
      }
      SocketChannel ch;
      try {
        server.socket().setSoTimeout((int) Math.min(leftMillis, Integer.MAX_VALUE));
        ch = server.socket().accept().getChannel();
      } catch (SocketTimeoutException e) {
        continue;
      } catch (ClosedByInterruptException e) {
        throw new BootstrapException(Code.CLOSED, what + ": interrupted", e);
      } catch (ClosedChannelException e) {
        throw new BootstrapException(Code.CLOSED, what + ": the listener was closed", e);
      } catch (IOException e) {
        throw new BootstrapException(
            Code.UNAVAILABLE, what + ": accept failed: " + e, List.of(remoteRank), e);
      }
      String from = String.valueOf(ch.socket().getRemoteSocketAddress());
      try {
        String problem = checkHello(ch, token, remoteRank, Math.min(leftMillis, HELLO_MILLIS));
        if (problem == null) {
          ch.socket().setSoTimeout(0);
          ch.socket().setTcpNoDelay(true);
          return ch;
        }
        log.warn("{}: dropped a connection from {}: {}", what, from, problem);
      } catch (IOException e) {
        log.warn("{}: dropped a connection from {}: {}", what, from, e.toString());
      }
      close(ch);
    }
  }

  private static String checkHello(SocketChannel ch, byte[] token, int remoteRank, long millis)
      throws IOException {
    ch.socket().setSoTimeout((int) Math.max(1, millis));
    InputStream in = ch.socket().getInputStream();
    byte[] hello = new byte[HELLO_BYTES];
    int n = 0;
    while (n < hello.length) {
      int r = in.read(hello, n, hello.length - n);
      if (r < 0) {
        return "it closed after " + n + " bytes, before a full hello";
      }
      n += r;
    }
    ByteBuffer b = ByteBuffer.wrap(hello);
    if (b.getInt() != HELLO_MAGIC) {
      return "it does not speak the communicator's protocol";
    }
    int rank = b.getInt();
    byte[] got = new byte[EndpointDescriptor.TOKEN_BYTES];
    b.get(got);
    if (!MessageDigest.isEqual(got, token)) {
      return "wrong token (another job, or a stale connection)";
    }
    if (rank != remoteRank) {
      return "it claims rank " + rank + ", expected rank " + remoteRank;
    }
    return null;
  }

  /** Dials the peer's listener and says hello. */
  static SocketChannel dial(
      String host,
      int port,
      byte[] token,
      int rank,
      int remoteRank,
      Duration timeout,
      String what) {
    SocketChannel ch = null;
    try {
      ch = SocketChannel.open();
      ch.socket()
          .connect(
              new InetSocketAddress(host, port),
              (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE));
      ch.socket().setTcpNoDelay(true);
      ByteBuffer hello = ByteBuffer.allocate(HELLO_BYTES);
      hello.putInt(HELLO_MAGIC).putInt(rank).put(token).flip();
      while (hello.hasRemaining()) {
        ch.write(hello);
      }
      return ch;
    } catch (ClosedByInterruptException e) {
      throw new BootstrapException(Code.CLOSED, what + ": interrupted", e);
    } catch (IOException e) {
      close(ch);
      throw new BootstrapException(
          Code.UNAVAILABLE,
          what + ": cannot reach rank " + remoteRank + " at " + host + ":" + port + ": " + e,
          List.of(remoteRank),
          e);
    }
  }

  static String address(ServerSocketChannel server) {
    try {
      return String.valueOf(server.getLocalAddress());
    } catch (IOException e) {
      return "(closed listener)";
    }
  }

  static void close(java.io.Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // closing: nothing left to do with it
      }
    }
  }
}
