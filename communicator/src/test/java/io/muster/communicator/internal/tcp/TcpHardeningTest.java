package io.muster.communicator.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.communicator.Connection;
import io.muster.communicator.Endpoint;
import io.muster.communicator.Ranks;
import io.muster.communicator.RegisteredMemory;
import io.muster.communicator.Transport;
import io.muster.communicator.internal.EndpointDescriptor;
import io.muster.communicator.internal.Host;
import io.muster.communicator.internal.MemoryDescriptor;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A TCP peer that misbehaves: here rank 1 is played by hand, speaking the wire protocol itself,
 * against a real communicator on rank 0.
 */
class TcpHardeningTest {
  private static final int CONNECTED = 50;

  @Test
  @DisplayName("a stranger on the listener is dropped, and a write outside the memory is refused")
  void strangersAndBadFramesAreRefused() throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          if (b.rank() == 0) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(64);
            RegisteredMemory memory = c.registerMemory(buffer, Transport.TCP);
            c.sendMemory(memory, 1, 1);
            Connection conn =
                c.connect(Endpoint.tcp(InetAddress.getLoopbackAddress()), 1, 0)
                    .get(30, TimeUnit.SECONDS);
            b.send(1, CONNECTED, new byte[0]);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            BootstrapException failure = null;
            while (failure == null && System.nanoTime() < end) {
              try {
                conn.flush();
                LockSupport.parkNanos(1_000_000);
              } catch (BootstrapException e) {
                failure = e;
              }
            }
            assertEquals(Code.PROTOCOL, failure == null ? null : failure.code(), "" + failure);
            assertEquals(List.of(1), failure.ranks());
            byte[] untouched = new byte[64];
            buffer.duplicate().get(untouched);
            assertArrayEquals(new byte[64], untouched);
          } else {
            MemoryDescriptor memory = MemoryDescriptor.decode(b.recv(0, 1), 0, 1);
            EndpointDescriptor listener = EndpointDescriptor.decode(b.recv(0, 0), 0, 0);
            InetSocketAddress at = new InetSocketAddress(listener.tcpHost(), listener.tcpPort());
            try (SocketChannel stranger = SocketChannel.open(at)) {
              stranger.write(ByteBuffer.wrap("GET / HTTP/1.0\r\n\r\n......".getBytes("US-ASCII")));
            }
            byte[] wrongToken = new byte[EndpointDescriptor.TOKEN_BYTES];
            SocketChannel impostor =
                TcpLink.dial(
                    listener.tcpHost(),
                    listener.tcpPort(),
                    wrongToken,
                    1,
                    0,
                    Duration.ofSeconds(5),
                    "test");
            impostor.close();
            try (SocketChannel ch =
                TcpLink.dial(
                    listener.tcpHost(),
                    listener.tcpPort(),
                    listener.token(),
                    1,
                    0,
                    Duration.ofSeconds(5),
                    "test")) {
              b.send(
                  0,
                  0,
                  new EndpointDescriptor(
                          1, Transport.TCP, Host.id(), Host.pid(), 42, null, -1, null, 0, null)
                      .encode());
              b.recv(0, CONNECTED);
              ByteBuffer frame = ByteBuffer.allocate(24 + 100);
              frame
                  .putInt(1)
                  .putInt(memory.id())
                  .putLong(60)
                  .putLong(100)
                  .put(new byte[100])
                  .flip();
              while (frame.hasRemaining()) {
                ch.write(frame);
              }
              // rank 0 hangs up on a peer that breaks the protocol: end of stream, or a reset
              // when it closed with the bad frame's data unread
              ch.socket().setSoTimeout(20_000);
              InputStream in = ch.socket().getInputStream();
              int got;
              try {
                got = in.read();
              } catch (java.net.SocketException reset) {
                got = -1;
              }
              assertEquals(-1, got);
            }
          }
        });
  }
}
