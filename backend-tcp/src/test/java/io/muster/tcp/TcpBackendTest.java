package io.muster.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What is specific to tcp://: the coordinator, unique ids, tokens, addresses, garbage, scale. */
class TcpBackendTest {
  /**
   * A thread per task: these tasks block (in open) until the others run, which a pool the size of
   * the cores (the common pool, on some JDKs) would never let them do.
   */
  private static final java.util.concurrent.Executor THREADS =
      task -> {
        Thread t = new Thread(task, "test-rank");
        t.setDaemon(true);
        t.start();
      };

  @Test
  void aThousandRanksInOneJvmHoldOnlyLogarithmicallyManySockets() throws Exception {
    int n = 1024;
    int bound = 2 * 10 + 4; // 2·⌈log2 N⌉+4
    AtomicInteger worst = new AtomicInteger();
    TcpGroups.run(
        TcpGroups.uri("timeout=120s"),
        n,
        b -> {
          List<byte[]> all = b.allGather(ByteBuffer.allocate(4).putInt(b.rank() * 3).array());
          for (int r = 0; r < n; r++) {
            assertEquals(r * 3, ByteBuffer.wrap(all.get(r)).getInt());
          }
          b.barrier();
          worst.accumulateAndGet(((TcpBootstrap) b).sockets(), Math::max);
          b.barrier(); // nobody closes before everyone has counted
        });
    assertTrue(worst.get() <= bound, "a rank held " + worst.get() + " sockets, more than " + bound);
    assertTrue(worst.get() >= 3, "counting is broken: " + worst.get());
  }

  @Test
  void ranksOpenWithAUniqueIdMadeElsewhere() throws Exception {
    String id = TcpBootstrap.createUniqueId("127.0.0.1");
    assertTrue(id.startsWith("tcp://127.0.0.1:"), id);
    TcpGroups.run(
        id,
        3,
        b -> {
          byte[] got =
              b.broadcast(2, b.rank() == 2 ? "from 2".getBytes(StandardCharsets.UTF_8) : null);
          assertEquals("from 2", new String(got, StandardCharsets.UTF_8));
        });
  }

  @Test
  void anExternalCoordinatorAssignsRanksAndServesSeveralJobs() throws Exception {
    try (Coordinator c = Coordinator.start(new InetSocketAddress("127.0.0.1", 0), null)) {
      int port = c.address().getPort();
      List<CompletableFuture<int[]>> ranks = new ArrayList<>();
      for (String job : new String[] {"a", "b"}) {
        for (int i = 0; i < 3; i++) {
          ranks.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    try (Bootstrap b =
                        Bootstrap.open(
                            "tcp://127.0.0.1:"
                                + port
                                + "?coordinator=external&job="
                                + job
                                + "&timeout=30s",
                            -1,
                            3)) {
                      List<byte[]> all = b.allGather(job.getBytes(StandardCharsets.UTF_8));
                      for (byte[] x : all) {
                        assertArrayEquals(job.getBytes(StandardCharsets.UTF_8), x);
                      }
                      return new int[] {job.charAt(0), b.rank()};
                    }
                  },
                  THREADS));
        }
      }
      boolean[][] seen = new boolean[2][3];
      for (CompletableFuture<int[]> f : ranks) {
        int[] r = f.get(60, TimeUnit.SECONDS);
        int job = r[0] - 'a';
        assertTrue(!seen[job][r[1]], "rank " + r[1] + " assigned twice in job " + (char) r[0]);
        seen[job][r[1]] = true;
      }
    }
  }

  @Test
  void aWrongTokenIsAConfigErrorForEveryRankNotAHang() throws Exception {
    String uri = TcpGroups.uri("timeout=60s");
    long start = System.nanoTime();
    CompletableFuture<Throwable> good =
        CompletableFuture.supplyAsync(
            () -> failure(() -> Bootstrap.open(uri + "&token=right", 0, 2)), THREADS);
    CompletableFuture<Throwable> bad =
        CompletableFuture.supplyAsync(
            () -> failure(() -> Bootstrap.open(uri + "&token=wrong", 1, 2)), THREADS);
    for (Throwable t : List.of(good.get(30, TimeUnit.SECONDS), bad.get(30, TimeUnit.SECONDS))) {
      BootstrapException e = (BootstrapException) t;
      assertEquals(Code.CONFIG, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains("token"), e.getMessage());
      assertTrue(
          !e.getMessage().contains("right") && !e.getMessage().contains("wrong"), e.getMessage());
    }
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "took the timeout path");
  }

  @Test
  void theSameTokenOnEveryRankWorks() throws Exception {
    TcpGroups.run(TcpGroups.uri("token=s3cret&timeout=30s"), 3, Bootstrap::barrier);
  }

  @Test
  void garbageOnTheCoordinatorAndRankPortsLeavesTheGroupUnharmed() throws Exception {
    int port = TcpGroups.freePort();
    String uri = "tcp://127.0.0.1:" + port + "?timeout=30s";
    TcpGroups.run(
        uri,
        2,
        b -> {
          byte[] huge =
              ByteBuffer.allocate(9).putInt(Integer.MAX_VALUE).put((byte) 1).putInt(0).array();
          byte[] http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
          // Rank 0 sends junk to the coordinator's port, rank 1 to its own peer port.
          InetSocketAddress target =
              b.rank() == 0
                  ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port)
                  : ((TcpBootstrap) b).address();
          for (byte[] junk : List.of(http, huge)) {
            try (Socket s = new Socket(target.getAddress(), target.getPort())) {
              OutputStream out = s.getOutputStream();
              out.write(junk);
              out.flush();
              s.setSoTimeout(10_000);
              assertEquals(-1, s.getInputStream().read(), target + " should hang up");
            }
          }
          try (Socket s = new Socket(target.getAddress(), target.getPort())) {
            s.getOutputStream().write(new byte[] {0x4D, 0x53, 0x54}); // a truncated frame
          }
          b.barrier();
          b.send(1 - b.rank(), 3, new byte[] {(byte) b.rank()});
          assertArrayEquals(new byte[] {(byte) (1 - b.rank())}, b.recv(1 - b.rank(), 3));
        });
  }

  @Test
  void ipv6LoopbackAndBindByInterfaceName() throws Exception {
    boolean v6 = false;
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
      v6 = true;
    } catch (java.io.IOException e) {
      // no IPv6 loopback here
    }
    if (v6) {
      TcpGroups.run("tcp://[::1]:" + TcpGroups.freePort() + "?timeout=30s", 2, Bootstrap::barrier);
    }
    TcpGroups.run(TcpGroups.uri("bind=lo&timeout=30s"), 2, Bootstrap::barrier);
  }

  @Test
  void badUrisSayWhatIsWrong() {
    BootstrapException e =
        assertThrows(
            BootstrapException.class, () -> Bootstrap.open("tcp://127.0.0.1?size=2", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("PORT"), e.getMessage());
    e =
        assertThrows(
            BootstrapException.class, () -> Bootstrap.open("tcp://127.0.0.1:1?bogus=1", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("coordinator, bind, heartbeat"), e.getMessage());
    e =
        assertThrows(
            BootstrapException.class,
            () -> Bootstrap.open("tcp://127.0.0.1:1?bind=nosuchif0", 0, 2));
    assertEquals(Code.CONFIG, e.code());
    e = assertThrows(BootstrapException.class, () -> Bootstrap.open("tcp://127.0.0.1:1?size=2"));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("no rank"), e.getMessage());
  }

  @Test
  void aMissingRank0IsNamedWhenOpenTimesOut() {
    String uri = TcpGroups.uri("timeout=1s");
    BootstrapException e = assertThrows(BootstrapException.class, () -> Bootstrap.open(uri, 1, 2));
    assertEquals(Code.TIMEOUT, e.code(), e.getMessage());
    assertEquals(List.of(0), e.ranks());
  }

  @Test
  void aCrashedPeerIsReportedLostWithinFiveSeconds() throws Exception {
    TcpGroups.run(
        TcpGroups.uri("timeout=60s"),
        3,
        b -> {
          b.barrier();
          if (b.rank() == 2) {
            ((TcpBootstrap) b).crash();
            return;
          }
          long start = System.nanoTime();
          BootstrapException e =
              assertThrows(BootstrapException.class, () -> b.recv(2, 1, Duration.ofSeconds(30)));
          assertEquals(Code.PEER_LOST, e.code(), e.getMessage());
          assertEquals(List.of(2), e.ranks());
          assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
          b.groupBarrier(0, 1); // the survivors carry on
        });
  }

  private static Throwable failure(Runnable r) {
    try {
      r.run();
      return new AssertionError("no failure");
    } catch (Throwable t) {
      return t;
    }
  }
}
