package io.muster.communicator;

import static io.muster.communicator.HostTransports.endpoint;
import static io.muster.communicator.HostTransports.memory;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The communicator's contract over each host transport, with ranks as threads over local:. */
class CommunicatorTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** A two-rank setup: local memory, the peer's memory, a connection and a semaphore. */
  static final class Pair {
    final RegisteredMemory local;
    final ByteBuffer buffer;
    final RegisteredMemory remote;
    final Connection connection;
    final Semaphore semaphore;

    Pair(Communicator c, Transport t, int bytes) throws Exception {
      int peer = 1 - c.rank();
      buffer = memory(c, t, bytes);
      local = c.registerMemory(buffer, t);
      c.sendMemory(local, peer, 0);
      CompletableFuture<RegisteredMemory> r = c.recvMemory(peer, 0);
      CompletableFuture<Connection> conn = c.connect(endpoint(t), peer, 0);
      connection = conn.get(30, TimeUnit.SECONDS);
      semaphore = c.buildSemaphore(connection, peer, 0).get(30, TimeUnit.SECONDS);
      remote = r.get(30, TimeUnit.SECONDS);
    }
  }

  static byte[] pattern(int length, int seed) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (i * 31 + seed * 7 + 1);
    }
    return b;
  }

  static byte[] contents(ByteBuffer b) {
    byte[] out = new byte[b.capacity()];
    b.duplicate().clear().get(out);
    return out;
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("a write followed by a signal is visible to the peer once its wait returns")
  void writeThenSignal(Transport t) throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          Pair p = new Pair(c, t, 4096);
          assertEquals(t, p.connection.transport());
          assertEquals(1 - b.rank(), c.remoteRankOf(p.connection));
          assertEquals(0, c.tagOf(p.connection));
          assertFalse(p.remote.isLocal());
          assertEquals(1 - b.rank(), p.remote.rank());
          assertEquals(4096, p.remote.size());
          assertEquals(Set.of(t), p.remote.transports());
          if (b.rank() == 0) {
            p.buffer.put(0, pattern(4096, 5));
            p.connection.write(p.remote, 0, p.local, 0, 4096);
            p.connection.flush();
            p.semaphore.signal();
          } else {
            p.semaphore.wait(WAIT);
            assertArrayEquals(pattern(4096, 5), contents(p.buffer));
          }
        });
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("writes at offsets change exactly the bytes they name")
  void writesAtOffsets(Transport t) throws Exception {
    int size = 10_000;
    long[][] writes = { // dst offset, src offset, length
      {0, 0, 1}, {1, 100, 7}, {4095, 4000, 2}, {size - 1, 17, 1}, {5000, 0, 3000}, {9000, 9000, 0}
    };
    byte[] source = pattern(size, 3);
    byte[] expected = new byte[size];
    for (long[] w : writes) {
      System.arraycopy(source, (int) w[1], expected, (int) w[0], (int) w[2]);
    }
    Ranks.run(
        2,
        (b, c) -> {
          Pair p = new Pair(c, t, size);
          if (b.rank() == 0) {
            p.buffer.put(0, source);
            for (long[] w : writes) {
              p.connection.write(p.remote, w[0], p.local, w[1], w[2]);
            }
            p.semaphore.signal();
          } else {
            p.semaphore.wait(WAIT);
            assertArrayEquals(expected, contents(p.buffer));
          }
        });
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("a write outside the registered region is an error, and the connection stays usable")
  void writesOutOfBoundsAreRejected(Transport t) throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          Pair p = new Pair(c, t, 256);
          if (b.rank() == 0) {
            Connection conn = p.connection;
            RegisteredMemory dst = p.remote;
            RegisteredMemory src = p.local;
            IndexOutOfBoundsException e =
                assertThrows(
                    IndexOutOfBoundsException.class, () -> conn.write(dst, 200, src, 0, 57));
            assertTrue(
                e.getMessage().contains("256-byte registered memory of rank 1"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> conn.write(dst, -1, src, 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> conn.write(dst, 256, src, 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> conn.write(dst, 0, src, 250, 7));
            assertThrows(
                IndexOutOfBoundsException.class,
                () -> conn.write(dst, Long.MAX_VALUE, src, 0, 2)); // no overflow into range
            assertThrows(
                IndexOutOfBoundsException.class, () -> conn.write(dst, 1, src, 0, Long.MAX_VALUE));
            assertThrows(IllegalArgumentException.class, () -> conn.write(dst, 0, src, 0, -1));
            // the peer's memory is written by no rejected call; a good write still goes through
            p.buffer.put(0, pattern(256, 9));
            conn.write(dst, 0, src, 0, 256);
            p.semaphore.signal();
          } else {
            p.semaphore.wait(WAIT);
            assertArrayEquals(pattern(256, 9), contents(p.buffer));
          }
        });
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("a write names the peer's memory as dst and this rank's as src")
  void writesCheckWhoseMemory(Transport t) throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          Pair p = new Pair(c, t, 64);
          Connection conn = p.connection;
          assertThrows(IllegalArgumentException.class, () -> conn.write(p.local, 0, p.local, 0, 8));
          assertThrows(
              IllegalArgumentException.class, () -> conn.write(p.remote, 0, p.remote, 0, 8));
          Transport other = t == Transport.TCP ? Transport.SHARED_MEMORY : Transport.TCP;
          RegisteredMemory wrongTransport = c.registerMemory(memory(c, other, 64), other);
          c.sendMemory(wrongTransport, 1 - b.rank(), 1);
          RegisteredMemory theirs = c.recvMemory(1 - b.rank(), 1).get(30, TimeUnit.SECONDS);
          IllegalArgumentException e =
              assertThrows(
                  IllegalArgumentException.class, () -> conn.write(theirs, 0, p.local, 0, 8));
          assertTrue(e.getMessage().contains("not registered for " + t), e.getMessage());
        });
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("many connections set up at once, on one tag and on many, pair up in call order")
  void manyConcurrentConnects(Transport t) throws Exception {
    int n = 4;
    int perPeer = 6;
    int slot = 8;
    Ranks.run(
        n,
        (b, c) -> {
          int me = b.rank();
          // memory with one 8-byte slot per (writer, index); everyone gets everyone's handle
          ByteBuffer buffer = memory(c, t, n * perPeer * slot);
          RegisteredMemory mine = c.registerMemory(buffer, t);
          List<List<CompletableFuture<Connection>>> conns = new ArrayList<>();
          List<CompletableFuture<RegisteredMemory>> theirs = new ArrayList<>();
          for (int peer = 0; peer < n; peer++) {
            List<CompletableFuture<Connection>> row = new ArrayList<>();
            if (peer != me) {
              c.sendMemory(mine, peer, 1000);
              for (int i = 0; i < perPeer; i++) {
                row.add(c.connect(endpoint(t), peer, i % 2 == 0 ? 7 : 100 + i));
              }
            }
            conns.add(row);
            theirs.add(peer == me ? null : c.recvMemory(peer, 1000));
          }
          List<List<CompletableFuture<Semaphore>>> sems = new ArrayList<>();
          for (int peer = 0; peer < n; peer++) {
            List<CompletableFuture<Semaphore>> row = new ArrayList<>();
            for (int i = 0; peer != me && i < perPeer; i++) {
              Connection conn = conns.get(peer).get(i).get(30, TimeUnit.SECONDS);
              assertEquals(peer, c.remoteRankOf(conn));
              assertEquals(i % 2 == 0 ? 7 : 100 + i, c.tagOf(conn));
              row.add(c.buildSemaphore(conn, peer, 2000 + i));
            }
            sems.add(row);
          }
          ByteBuffer source = memory(c, t, n * perPeer * slot);
          RegisteredMemory src = c.registerMemory(source, t);
          for (int peer = 0; peer < n; peer++) {
            for (int i = 0; peer != me && i < perPeer; i++) {
              int at = (me * perPeer + i) * slot;
              source.putLong(at, me * 1000L + peer * 10L + i);
              Connection conn = conns.get(peer).get(i).join();
              conn.write(theirs.get(peer).get(30, TimeUnit.SECONDS), at, src, at, slot);
              sems.get(peer).get(i).get(30, TimeUnit.SECONDS).signal();
            }
          }
          for (int peer = 0; peer < n; peer++) {
            for (int i = 0; peer != me && i < perPeer; i++) {
              sems.get(peer).get(i).join().wait(WAIT);
              assertEquals(
                  peer * 1000L + me * 10L + i, buffer.getLong((peer * perPeer + i) * slot));
            }
          }
        });
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("under contention each signal releases exactly one wait")
  void semaphoresUnderContention(Transport t) throws Exception {
    int threads = 4;
    int each = 500;
    Ranks.run(
        2,
        (b, c) -> {
          Pair p = new Pair(c, t, 8);
          ExecutorService pool = Executors.newFixedThreadPool(threads);
          try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
              done.add(
                  pool.submit(
                      () -> {
                        for (int k = 0; k < each; k++) {
                          if (b.rank() == 0) {
                            p.semaphore.signal();
                          } else {
                            p.semaphore.wait(WAIT);
                          }
                        }
                        return null;
                      }));
            }
            for (Future<?> f : done) {
              f.get(60, TimeUnit.SECONDS);
            }
          } finally {
            pool.shutdownNow();
          }
          if (b.rank() == 1) {
            BootstrapException e =
                assertThrows(
                    BootstrapException.class, () -> p.semaphore.wait(Duration.ofMillis(200)));
            assertEquals(Code.TIMEOUT, e.code());
            assertEquals(List.of(0), e.ranks());
            assertTrue(
                e.getMessage().contains(threads * each + " signals arrived"), e.getMessage());
          }
        });
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName(
      "a peer that closes mid-transfer makes writes and waits fail with PEER_LOST, not hang")
  void peerClosingMidTransfer(Transport t) throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          Pair p = new Pair(c, t, 1 << 16);
          Semaphore quiet =
              c.buildSemaphore(p.connection, 1 - b.rank(), 5).get(30, TimeUnit.SECONDS);
          if (b.rank() == 0) {
            CompletableFuture<BootstrapException> waiter =
                CompletableFuture.supplyAsync(
                    () ->
                        assertThrows(
                            BootstrapException.class, () -> quiet.wait(Duration.ofMinutes(2))));
            BootstrapException e =
                assertThrows(
                    BootstrapException.class,
                    () -> {
                      while (true) {
                        p.connection.write(p.remote, 0, p.local, 0, 1 << 16);
                        p.semaphore.signal();
                      }
                    });
            assertEquals(Code.PEER_LOST, e.code(), e.toString());
            assertEquals(List.of(1), e.ranks());
            BootstrapException w = waiter.get(30, TimeUnit.SECONDS);
            assertEquals(Code.PEER_LOST, w.code(), w.toString());
            assertThrows(BootstrapException.class, () -> p.semaphore.signal());
          } else {
            for (int i = 0; i < 20; i++) {
              p.semaphore.wait(WAIT);
            }
            c.close();
          }
        });
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("close fails pending futures, stops threads and deletes its /dev/shm files")
  void closeReleasesEverything(Transport t) throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          if (b.rank() == 0) {
            Pair p = new Pair(c, t, 4096);
            c.allocateHostMemory(4096);
            CompletableFuture<RegisteredMemory> never = c.recvMemory(1, 77);
            CompletableFuture<Connection> neverConnected = c.connect(endpoint(t), 1, 78);
            String prefix = "muster-" + ProcessHandle.current().pid() + "-r0-";
            assertFalse(files(prefix).isEmpty(), "the communicator made files in /dev/shm");
            CompletableFuture<BootstrapException> waiter =
                CompletableFuture.supplyAsync(
                    () ->
                        assertThrows(
                            BootstrapException.class,
                            () -> p.semaphore.wait(Duration.ofMinutes(2))));
            c.close();
            assertEquals(Code.CLOSED, waiter.get(10, TimeUnit.SECONDS).code());
            ExecutionException e =
                assertThrows(ExecutionException.class, () -> never.get(10, TimeUnit.SECONDS));
            assertEquals(Code.CLOSED, ((BootstrapException) e.getCause()).code());
            e =
                assertThrows(
                    ExecutionException.class, () -> neverConnected.get(10, TimeUnit.SECONDS));
            assertEquals(Code.CLOSED, ((BootstrapException) e.getCause()).code());
            assertEquals(List.of(), files(prefix));
            assertEquals(List.of(), threads("muster-communicator-r0-"));
            BootstrapException closed =
                assertThrows(
                    BootstrapException.class, () -> p.connection.write(p.remote, 0, p.local, 0, 1));
            assertEquals(Code.CLOSED, closed.code());
            assertThrows(BootstrapException.class, () -> c.recvMemory(1, 0));
            c.close(); // idempotent
          } else {
            new Pair(c, t, 4096);
          }
        });
  }

  static List<String> files(String prefix) throws Exception {
    try (var s = java.nio.file.Files.list(Communicator.sharedMemoryDirectory())) {
      return s.map(f -> f.getFileName().toString())
          .filter(f -> f.startsWith(prefix))
          .sorted()
          .collect(java.util.stream.Collectors.toList());
    }
  }

  static List<String> threads(String prefix) {
    List<String> out = new ArrayList<>();
    for (Thread th : Thread.getAllStackTraces().keySet()) {
      if (th.getName().startsWith(prefix) && th.isAlive()) {
        out.add(th.getName());
      }
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("memory sent back to its owner is its own handle again")
  void memoryRoundTrip(Transport t) throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          RegisteredMemory mine = c.registerMemory(memory(c, t, 32), t);
          c.sendMemory(mine, 1 - b.rank(), 3);
          RegisteredMemory theirs = c.recvMemory(1 - b.rank(), 3).get(30, TimeUnit.SECONDS);
          c.sendMemory(theirs, 1 - b.rank(), 4);
          assertSame(mine, c.recvMemory(1 - b.rank(), 4).get(30, TimeUnit.SECONDS));
          c.sendMemory(mine, b.rank(), 5); // to itself
          assertSame(mine, c.recvMemory(b.rank(), 5).get(30, TimeUnit.SECONDS));
        });
  }

  @org.junit.jupiter.api.Test
  @DisplayName("both ends must ask for the same transport")
  void transportMismatch() throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          Transport mine = b.rank() == 0 ? Transport.SHARED_MEMORY : Transport.TCP;
          ExecutionException e =
              assertThrows(
                  ExecutionException.class,
                  () -> c.connect(endpoint(mine), 1 - b.rank(), 0).get(30, TimeUnit.SECONDS));
          BootstrapException cause = assertInstanceOf(BootstrapException.class, e.getCause());
          assertEquals(Code.CONFIG, cause.code());
          assertTrue(cause.getMessage().contains("same transport"), cause.getMessage());
        });
  }

  @org.junit.jupiter.api.Test
  @DisplayName("calls in a different order on a tag are a PROTOCOL error, not garbage")
  void mismatchedCallsOnATag() throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          if (b.rank() == 0) {
            c.sendMemory(c.registerMemory(ByteBuffer.allocateDirect(8), Transport.TCP), 1, 3);
            b.send(1, 4, "not a descriptor".getBytes(java.nio.charset.StandardCharsets.UTF_8));
          } else {
            ExecutionException e =
                assertThrows(
                    ExecutionException.class,
                    () -> c.connect(endpoint(Transport.TCP), 0, 3).get(30, TimeUnit.SECONDS));
            BootstrapException cause = assertInstanceOf(BootstrapException.class, e.getCause());
            assertEquals(Code.PROTOCOL, cause.code());
            assertTrue(
                cause.getMessage().contains("registered-memory descriptor"), cause.getMessage());
            e =
                assertThrows(
                    ExecutionException.class, () -> c.recvMemory(0, 4).get(30, TimeUnit.SECONDS));
            assertEquals(Code.PROTOCOL, ((BootstrapException) e.getCause()).code());
          }
        });
  }

  @org.junit.jupiter.api.Test
  @DisplayName("a setup call whose peer never answers times out naming the peer")
  void setupTimesOut() throws Exception {
    Ranks.run(
        2,
        Duration.ofMillis(300),
        (b, c) -> {
          if (b.rank() == 0) {
            ExecutionException e =
                assertThrows(
                    ExecutionException.class, () -> c.recvMemory(1, 9).get(30, TimeUnit.SECONDS));
            BootstrapException cause = (BootstrapException) e.getCause();
            assertEquals(Code.TIMEOUT, cause.code());
            assertEquals(List.of(1), cause.ranks());
            assertTrue(
                cause.getMessage().contains("recvMemory from rank 1 on tag 9"), cause.getMessage());
          }
        });
  }

  @org.junit.jupiter.api.Test
  @DisplayName("bad arguments are rejected at once with a message saying what to do")
  void badArguments() throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          assertThrows(IllegalArgumentException.class, () -> c.recvMemory(2, 0));
          assertThrows(IllegalArgumentException.class, () -> c.recvMemory(0, -1));
          assertThrows(
              IllegalArgumentException.class,
              () -> c.connect(Endpoint.sharedMemory(), b.rank(), 0));
          IllegalArgumentException e =
              assertThrows(
                  IllegalArgumentException.class,
                  () -> c.registerMemory(ByteBuffer.allocateDirect(8), Transport.SHARED_MEMORY));
          assertTrue(e.getMessage().contains("allocateHostMemory"), e.getMessage());
          assertThrows(
              IllegalArgumentException.class,
              () -> c.registerMemory(ByteBuffer.allocateDirect(8), Transport.CUDA_IPC));
          assertThrows(
              IllegalArgumentException.class, () -> c.registerMemory(ByteBuffer.allocate(8)));
          assertThrows(
              IllegalArgumentException.class,
              () -> c.registerMemory(ByteBuffer.allocate(8).asReadOnlyBuffer(), Transport.TCP));
          assertThrows(IllegalArgumentException.class, () -> c.allocateHostMemory(0));
          assertThrows(
              IllegalArgumentException.class,
              () -> Endpoint.tcp(java.net.InetAddress.getByName("0.0.0.0")));
        });
  }

  @org.junit.jupiter.api.Test
  @DisplayName("a registered part of a shared buffer is written at its own offset")
  void registeringPartOfSharedBuffer() throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          ByteBuffer whole = c.allocateHostMemory(1024);
          whole.position(512).limit(768);
          RegisteredMemory part = c.registerMemory(whole, Transport.SHARED_MEMORY);
          whole.clear();
          assertEquals(256, part.size());
          c.sendMemory(part, 1 - b.rank(), 0);
          RegisteredMemory theirs = c.recvMemory(1 - b.rank(), 0).get(30, TimeUnit.SECONDS);
          Connection conn =
              c.connect(Endpoint.sharedMemory(), 1 - b.rank(), 0).get(30, TimeUnit.SECONDS);
          Semaphore s = c.buildSemaphore(conn, 1 - b.rank(), 0).get(30, TimeUnit.SECONDS);
          if (b.rank() == 0) {
            ByteBuffer src = ByteBuffer.allocateDirect(16);
            src.put(0, pattern(16, 1));
            RegisteredMemory from = c.registerMemory(src, Transport.TCP);
            conn.write(theirs, 240, from, 0, 16);
            s.signal();
          } else {
            s.wait(WAIT);
            byte[] expected = new byte[1024];
            System.arraycopy(pattern(16, 1), 0, expected, 512 + 240, 16);
            assertArrayEquals(expected, contents(whole));
            assertTrue(Arrays.equals(new byte[512], Arrays.copyOf(contents(whole), 512)));
          }
        });
  }
}
