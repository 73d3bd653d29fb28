package io.muster.mpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.function.Executable;

/**
 * One rank of an MPI job that runs named scenarios of the Bootstrap contract, each on a group of
 * its own: {@code MpiRank URI scenario…}. For each it prints {@code PASS name rank R}, or {@code
 * FAIL name rank R: why} with the stack; it exits with 1 if any failed. {@link MpiBackendTest}
 * launches it under mpirun and checks that every rank passed every scenario.
 */
public final class MpiRank {
  /** How long a check waits for what should come at once (the group timeout is longer). */
  static final Duration PROMPT = Duration.ofSeconds(30);

  /** A scenario, given the URI of the job; it opens its groups itself. */
  interface Scenario {
    void run(String uri) throws Exception;
  }

  static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

  static {
    SCENARIOS.put("identity", MpiRank::identity);
    SCENARIOS.put("config", MpiRank::config);
    SCENARIOS.put("sendThenRecv", MpiRank::sendThenRecv);
    SCENARIOS.put("sendCopies", MpiRank::sendCopies);
    SCENARIOS.put("huge", MpiRank::huge);
    SCENARIOS.put("fifo", MpiRank::fifo);
    SCENARIOS.put("tags", MpiRank::tags);
    SCENARIOS.put("threads", MpiRank::threads);
    SCENARIOS.put("collectives", MpiRank::collectives);
    SCENARIOS.put("largeCollectives", MpiRank::largeCollectives);
    SCENARIOS.put("barrierWaits", MpiRank::barrierWaits);
    SCENARIOS.put("groupBarrier", MpiRank::groupBarrier);
    SCENARIOS.put("twoGroups", MpiRank::twoGroups);
    SCENARIOS.put("lateMessage", MpiRank::lateMessage);
    SCENARIOS.put("timeouts", MpiRank::timeouts);
    SCENARIOS.put("close", MpiRank::close);
  }

  private MpiRank() {}

  public static void main(String[] args) {
    String uri = args[0];
    int failures = 0;
    for (int i = 1; i < args.length; i++) {
      String name = args[i];
      Scenario s = SCENARIOS.get(name);
      try {
        if (s == null) {
          throw new IllegalArgumentException("no scenario " + name + "; known: " + SCENARIOS);
        }
        s.run(uri);
        System.out.println("PASS " + name + " rank " + worldRank());
      } catch (Throwable t) {
        failures++;
        synchronized (System.out) {
          System.out.println("FAIL " + name + " rank " + worldRank() + ": " + t);
          t.printStackTrace(System.out);
        }
      }
    }
    System.out.flush();
    System.exit(failures == 0 ? 0 : 1);
  }

  /** The rank mpirun gave this process (0 when run alone). */
  static int worldRank() {
    String r = System.getenv("OMPI_COMM_WORLD_RANK");
    return r == null ? 0 : Integer.parseInt(r);
  }

  static int worldSize() {
    String s = System.getenv("OMPI_COMM_WORLD_SIZE");
    return s == null ? 1 : Integer.parseInt(s);
  }

  /** {@code uri} with {@code key=value} added. */
  static String with(String uri, String key, String value) {
    return uri + (uri.contains("?") ? "&" : "?") + key + "=" + value;
  }

  static Bootstrap open(String uri) {
    return Bootstrap.open(with(uri, "timeout", "60s"));
  }

  static int right(Bootstrap b) {
    return (b.rank() + 1) % b.size();
  }

  static int left(Bootstrap b) {
    return (b.rank() - 1 + b.size()) % b.size();
  }

  /** A message of {@code length} bytes that says who made it, checked by {@link #check}. */
  static byte[] payload(int length, int seed) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (seed * 31 + i * 7 + (i >>> 11));
    }
    return b;
  }

  static void check(byte[] got, int length, int seed, String what) {
    assertEquals(length, got.length, what + ": length");
    for (int i = 0; i < length; i++) {
      if (got[i] != (byte) (seed * 31 + i * 7 + (i >>> 11))) {
        fail(what + ": byte " + i + " of " + length + " is wrong");
      }
    }
  }

  static BootstrapException expect(Code code, String what, Executable call) {
    BootstrapException e = assertThrows(BootstrapException.class, call, what);
    assertEquals(code, e.code(), what + ": " + e);
    return e;
  }

  // ---------------------------------------------------------------- scenarios

  /** Rank and size come from MPI; every rank reaches every rank, itself included. */
  static void identity(String uri) {
    try (Bootstrap b = open(uri)) {
      assertEquals(worldRank(), b.rank(), "rank");
      assertEquals(worldSize(), b.size(), "size");
      for (int peer = 0; peer < b.size(); peer++) {
        b.send(peer, 9, ByteBuffer.allocate(8).putInt(b.rank()).putInt(peer).array());
      }
      for (int peer = 0; peer < b.size(); peer++) {
        ByteBuffer m = ByteBuffer.wrap(b.recv(peer, 9, PROMPT));
        assertEquals(peer, m.getInt(), "sender named in the hello from rank " + peer);
        assertEquals(b.rank(), m.getInt(), "receiver named in the hello from rank " + peer);
      }
    }
    // The same through open(uri, rank, size), which must agree with MPI.
    try (Bootstrap b = Bootstrap.open(with(uri, "timeout", "60s"), worldRank(), worldSize())) {
      assertEquals(worldRank(), b.rank());
      b.barrier();
    }
  }

  /** A rank or size that disagrees with MPI, or a malformed URI, fails at once with CONFIG. */
  static void config(String uri) {
    int n = worldSize();
    int r = worldRank();
    long start = System.nanoTime();
    BootstrapException e =
        expect(
            Code.CONFIG,
            "size that MPI does not have",
            () -> Bootstrap.open(with(uri, "size", Integer.toString(n + 1))));
    assertTrue(e.getMessage().contains("MPI says"), e.getMessage());
    if (n > 1) {
      expect(
          Code.CONFIG,
          "rank that MPI does not give",
          () -> Bootstrap.open(with(uri, "rank", Integer.toString((r + 1) % n))));
      expect(
          Code.CONFIG,
          "rank passed to open that MPI does not give",
          () -> Bootstrap.open(uri, (r + 1) % n, n));
    }
    expect(Code.CONFIG, "hierarchical URI", () -> Bootstrap.open("mpi://somewhere:1234"));
    BootstrapException unknown =
        expect(Code.CONFIG, "unknown key", () -> Bootstrap.open(with(uri, "colour", "blue")));
    assertTrue(unknown.getMessage().contains("transport"), unknown.getMessage());
    expect(Code.CONFIG, "bad transport", () -> Bootstrap.open("mpi:?transport=carrier-pigeon"));
    assertTrue(
        System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20),
        "configuration errors must come at once, not after a timeout");
  }

  /** Rule 1 and 4: each rank sends to both neighbours, then receives; no size deadlocks. */
  static void sendThenRecv(String uri) {
    try (Bootstrap b = open(uri)) {
      for (int length : new int[] {0, 1, 4095, 4096, 4097, 65536, 1 << 20, 16 << 20}) {
        b.send(right(b), 1, payload(length, b.rank()));
        b.send(left(b), 1, payload(length, b.rank() + 1000));
        check(b.recv(left(b), 1, PROMPT), length, left(b), "from the left, " + length + " bytes");
        check(
            b.recv(right(b), 1, PROMPT),
            length,
            right(b) + 1000,
            "from the right, " + length + " bytes");
      }
    }
  }

  /** Rule 1: the sender may reuse its array as soon as send returns. */
  static void sendCopies(String uri) {
    try (Bootstrap b = open(uri)) {
      byte[] buf = payload(100_000, b.rank());
      b.send(right(b), 2, buf);
      Arrays.fill(buf, (byte) 0);
      byte[] small = {1, 2, 3};
      b.send(right(b), 2, small);
      small[0] = 9;
      check(b.recv(left(b), 2, PROMPT), 100_000, left(b), "first message");
      assertArrayEquals(new byte[] {1, 2, 3}, b.recv(left(b), 2, PROMPT), "send must copy");
    }
  }

  /** Rule 4 and 1: ranks 0 and 1 swap 256 MiB, both sending before either receives. */
  static void huge(String uri) {
    try (Bootstrap b = open(uri)) {
      if (b.rank() < 2 && b.size() >= 2) {
        int peer = 1 - b.rank();
        int length = 256 << 20;
        byte[] mine = new byte[length];
        for (int i = 0; i < length; i += 4096) {
          mine[i] = (byte) (i / 4096 + b.rank());
        }
        mine[length - 1] = (byte) (7 + b.rank());
        b.send(peer, 3, mine);
        mine = null;
        byte[] got = b.recv(peer, 3, Duration.ofMinutes(2));
        assertEquals(length, got.length);
        for (int i = 0; i < length - 1; i += 4096) {
          if (got[i] != (byte) (i / 4096 + peer)) {
            fail("byte " + i + " of the 256 MiB message is wrong");
          }
        }
        assertEquals((byte) (7 + peer), got[length - 1]);
      }
      b.barrier();
    }
  }

  /**
   * Rule 2: one thread per tag sends numbered messages (some large) to every rank, itself included;
   * the receiver drains the tags in the opposite order, checking the numbers.
   */
  static void fifo(String uri) throws Exception {
    try (Bootstrap b = open(uri)) {
      int n = b.size();
      int count = 200;
      int[] tags = {1, 2, 3};
      List<Thread> senders = new ArrayList<>();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      for (int tag : tags) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    for (int seq = 0; seq < count; seq++) {
                      for (int peer = 0; peer < n; peer++) {
                        int length = seq % 50 == 7 ? 200_000 : 12;
                        byte[] m = new byte[length];
                        ByteBuffer.wrap(m).putInt(b.rank()).putInt(tag).putInt(seq);
                        b.send(peer, tag, m);
                      }
                    }
                  } catch (Throwable e) {
                    failed.set(e);
                  }
                });
        t.start();
        senders.add(t);
      }
      for (int t = tags.length - 1; t >= 0; t--) {
        for (int peer = 0; peer < n; peer++) {
          for (int seq = 0; seq < count; seq++) {
            ByteBuffer m = ByteBuffer.wrap(b.recv(peer, tags[t], PROMPT));
            int from = m.getInt();
            int tag = m.getInt();
            int got = m.getInt();
            if (from != peer || tag != tags[t] || got != seq) {
              fail(
                  "from rank "
                      + peer
                      + " on tag "
                      + tags[t]
                      + " expected #"
                      + seq
                      + " but got #"
                      + got
                      + " of rank "
                      + from
                      + " tag "
                      + tag);
            }
          }
        }
      }
      for (Thread t : senders) {
        t.join(PROMPT.toMillis());
      }
      if (failed.get() != null) {
        throw new AssertionError("a sender failed", failed.get());
      }
    }
  }

  /** Rules 2 and 3: tags are independent, the extreme tags work, bad arguments fail at once. */
  static void tags(String uri) {
    try (Bootstrap b = open(uri)) {
      b.send(right(b), 1, new byte[] {1});
      b.send(right(b), 2, new byte[] {2});
      assertArrayEquals(new byte[] {2}, b.recv(left(b), 2, PROMPT), "tag 2 before tag 1");
      assertArrayEquals(new byte[] {1}, b.recv(left(b), 1, PROMPT), "tag 1 afterwards");
      int[] extremes = {0, 99, 100, 101, 32767, 32768, Integer.MAX_VALUE - 1, Integer.MAX_VALUE};
      for (int tag : extremes) {
        b.send(right(b), tag, ByteBuffer.allocate(4).putInt(tag).array());
      }
      for (int i = extremes.length - 1; i >= 0; i--) {
        int tag = extremes[i];
        assertEquals(tag, ByteBuffer.wrap(b.recv(left(b), tag, PROMPT)).getInt(), "tag " + tag);
      }
      b.send(b.rank(), 5, new byte[] {5});
      assertArrayEquals(new byte[] {5}, b.recv(b.rank(), 5, PROMPT), "a message to itself");
      assertThrows(IllegalArgumentException.class, () -> b.send(right(b), -1, new byte[1]));
      assertThrows(IllegalArgumentException.class, () -> b.send(b.size(), 1, new byte[1]));
      assertThrows(IllegalArgumentException.class, () -> b.send(-1, 1, new byte[1]));
      assertThrows(IllegalArgumentException.class, () -> b.recv(right(b), -5));
      assertThrows(IllegalArgumentException.class, () -> b.recv(b.size(), 5));
      b.barrier();
    }
  }

  /** Rule 6: many threads send and receive at once. */
  static void threads(String uri) throws Exception {
    try (Bootstrap b = open(uri)) {
      int threads = 8;
      int count = 100;
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      List<Thread> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int tag = 100 + t;
        Thread th =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < count; i++) {
                      b.send(right(b), tag, payload(100 + i, b.rank() * 1000 + i));
                      check(
                          b.recv(left(b), tag, PROMPT),
                          100 + i,
                          left(b) * 1000 + i,
                          "message " + i + " on tag " + tag);
                    }
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                });
        th.start();
        all.add(th);
      }
      for (Thread t : all) {
        t.join(TimeUnit.MINUTES.toMillis(2));
      }
      if (!failures.isEmpty()) {
        throw new AssertionError(failures.size() + " threads failed", failures.peek());
      }
    }
  }

  /** Rule 5: every collective, with lengths around the inline limit, on every root. */
  static void collectives(String uri) {
    try (Bootstrap b = open(uri)) {
      int n = b.size();
      int r = b.rank();
      // A user message sent before the collectives must survive them.
      b.send(right(b), 1, new byte[] {42});
      int[] shapes = {0, 1, 251, 252, 253, 4096, 100_000};
      for (int shape : shapes) {
        List<byte[]> all = b.allGather(payload(shape + r, r));
        assertEquals(n, all.size());
        for (int i = 0; i < n; i++) {
          check(all.get(i), shape + i, i, "allGather of " + shape + "+rank bytes, from rank " + i);
        }
        assertThrows(UnsupportedOperationException.class, () -> all.set(0, new byte[0]));
      }
      for (int root = 0; root < n; root++) {
        for (int length : new int[] {0, 100, 252, 253, 3 << 20}) {
          byte[] got = b.broadcast(root, r == root ? payload(length, root) : null);
          check(got, length, root, "broadcast of " + length + " bytes from rank " + root);
        }
      }
      for (int round = 0; round < 3; round++) {
        List<byte[]> out = new ArrayList<>();
        for (int d = 0; d < n; d++) {
          out.add(payload(length(r, d, round), r * 100 + d));
        }
        List<byte[]> in = b.allToAll(out);
        assertEquals(n, in.size());
        for (int s = 0; s < n; s++) {
          check(in.get(s), length(s, r, round), s * 100 + r, "allToAll from rank " + s);
        }
        assertThrows(UnsupportedOperationException.class, () -> in.set(0, new byte[0]));
      }
      b.barrier();
      assertArrayEquals(
          new byte[] {42}, b.recv(left(b), 1, PROMPT), "a user message survives collectives");
      assertThrows(IllegalArgumentException.class, () -> b.broadcast(n, new byte[1]));
      List<byte[]> oneTooMany = new ArrayList<>();
      for (int i = 0; i <= n; i++) {
        oneTooMany.add(new byte[1]);
      }
      assertThrows(IllegalArgumentException.class, () -> b.allToAll(oneTooMany));
    }
  }

  private static int length(int from, int to, int round) {
    return round == 2 && (from + to) % 3 == 0 ? 1 << 20 : (from * 37 + to * 11 + round * 101) % 700;
  }

  /** Rule 5 with large contributions: the rounds that follow the first. */
  static void largeCollectives(String uri) {
    try (Bootstrap b = open(uri)) {
      int n = b.size();
      int r = b.rank();
      List<byte[]> all = b.allGather(payload((8 << 20) + r, r));
      for (int i = 0; i < n; i++) {
        check(all.get(i), (8 << 20) + i, i, "8 MiB allGather from rank " + i);
      }
      byte[] got = b.broadcast(n - 1, r == n - 1 ? payload(20 << 20, 77) : null);
      check(got, 20 << 20, 77, "20 MiB broadcast");
      List<byte[]> out = new ArrayList<>();
      for (int d = 0; d < n; d++) {
        out.add(payload((2 << 20) + d * 3 + r, r * 10 + d));
      }
      List<byte[]> in = b.allToAll(out);
      for (int s = 0; s < n; s++) {
        check(in.get(s), (2 << 20) + r * 3 + s, s * 10 + r, "2 MiB allToAll from rank " + s);
      }
    }
  }

  /** Rule 5: no rank leaves the barrier before the last has entered it. */
  static void barrierWaits(String uri) throws Exception {
    try (Bootstrap b = open(uri)) {
      int last = b.size() - 1;
      b.barrier();
      long entered = 0;
      if (b.rank() == last) {
        Thread.sleep(300); // the others are in the barrier by now, or soon
        entered = System.currentTimeMillis();
      }
      b.barrier();
      long left = System.currentTimeMillis();
      long lastEntered =
          ByteBuffer.wrap(b.broadcast(last, ByteBuffer.allocate(8).putLong(entered).array()))
              .getLong();
      assertTrue(
          left >= lastEntered,
          "rank "
              + b.rank()
              + " left the barrier at "
              + left
              + " before rank "
              + last
              + " entered it at "
              + lastEntered);
    }
  }

  /** groupBarrier: subsets, twice each (the second takes the sub-communicator), and all. */
  static void groupBarrier(String uri) throws Exception {
    try (Bootstrap b = open(uri)) {
      int n = b.size();
      int r = b.rank();
      b.groupBarrier(r); // a group of one
      if (r < 2) {
        for (int i = 0; i < 3; i++) {
          b.groupBarrier(0, 1);
        }
      }
      Set<Integer> odd = new TreeSet<>();
      for (int i = 1; i < n; i += 2) {
        odd.add(i);
      }
      int[] odds = odd.stream().mapToInt(Integer::intValue).toArray();
      if (odd.contains(r)) {
        b.groupBarrier(odds);
        b.groupBarrier(odds);
      }
      int[] everyone = new int[n];
      Arrays.setAll(everyone, i -> i);
      b.groupBarrier(everyone);
      if (n >= 2 && r < 2) {
        // The second member comes late: the first must wait for it.
        long entered = 0;
        if (r == 1) {
          Thread.sleep(300);
          entered = System.currentTimeMillis();
          b.send(0, 8, ByteBuffer.allocate(8).putLong(entered).array());
        }
        b.groupBarrier(1, 0);
        if (r == 0) {
          long left = System.currentTimeMillis();
          long e = ByteBuffer.wrap(b.recv(1, 8, PROMPT)).getLong();
          assertTrue(left >= e, "rank 0 left groupBarrier(0, 1) before rank 1 entered it");
        }
      }
      assertThrows(IllegalArgumentException.class, () -> b.groupBarrier());
      assertThrows(IllegalArgumentException.class, () -> b.groupBarrier(r, r));
      if (n > 1) {
        assertThrows(IllegalArgumentException.class, () -> b.groupBarrier(right(b)));
      }
      b.barrier();
    }
  }

  /** Two groups open at once in one process never see each other's messages. */
  static void twoGroups(String uri) {
    try (Bootstrap first = open(uri);
        Bootstrap second = open(uri)) {
      first.send(right(first), 4, new byte[] {1});
      second.send(right(second), 4, new byte[] {2});
      assertArrayEquals(new byte[] {2}, second.recv(left(second), 4, PROMPT));
      assertArrayEquals(new byte[] {1}, first.recv(left(first), 4, PROMPT));
      // Checked before the barriers: once a neighbour has closed, TCP reports it lost instead.
      expect(
          Code.TIMEOUT,
          "a message of another group",
          () -> second.recv(left(second), 4, Duration.ofMillis(200)));
      first.barrier();
      second.barrier();
    }
  }

  /**
   * A message sent to a rank after it closed its group never appears in a later group (MPI reuses a
   * freed communicator's context id; Muster retires its communicators instead of freeing them).
   */
  static void lateMessage(String uri) {
    if (worldSize() < 2) {
      return;
    }
    try (Bootstrap side = open(uri)) {
      Bootstrap first = open(uri);
      first.barrier();
      int r = first.rank();
      if (r == 1) {
        first.close();
        side.send(0, 1, new byte[0]); // "closed"
      } else if (r == 0) {
        side.recv(1, 1, PROMPT);
        try {
          first.send(1, 6, new byte[] {6, 6, 6});
        } catch (BootstrapException e) {
          assertEquals(Code.PEER_LOST, e.code(), e.toString()); // TCP knows rank 1 left
        }
      }
      first.close();
      try (Bootstrap later = open(uri)) {
        if (later.rank() == 1) {
          expect(
              Code.TIMEOUT,
              "a message sent to an earlier group",
              () -> later.recv(0, 6, Duration.ofMillis(500)));
        }
        later.barrier();
      }
    }
  }

  /**
   * Rule 7: a receive with nothing to receive, and a barrier whose last rank is late, time out on
   * time naming the rank they wait for.
   */
  static void timeouts(String uri) throws Exception {
    try (Bootstrap b = Bootstrap.open(with(uri, "timeout", "2s"))) {
      int n = b.size();
      long start = System.nanoTime();
      BootstrapException e =
          expect(Code.TIMEOUT, "recv", () -> b.recv(left(b), 77, Duration.ofMillis(300)));
      long took = System.nanoTime() - start;
      assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(290), "timed out early: " + took);
      assertTrue(took < TimeUnit.SECONDS.toNanos(5), "timed out late: " + took);
      assertEquals(List.of(left(b)), e.ranks(), e.getMessage());
      assertTrue(e.getMessage().contains("rank " + left(b)), e.getMessage());
      if (n < 2) {
        return;
      }
      int last = n - 1;
      boolean tcp = uri.contains("transport=tcp");
      if (b.rank() == last) {
        Thread.sleep(4_000); // the others' barrier (2 s) gives up meanwhile
        if (tcp) {
          // Over TCP it completes with the messages the others sent before giving up, or, where
          // a partner gave up before sending, times out in turn.
          try {
            b.barrier();
          } catch (BootstrapException t) {
            assertEquals(Code.TIMEOUT, t.code(), t.toString());
          }
        } else {
          b.barrier(); // MPI: it completes the barrier the others posted and abandoned
        }
      } else {
        long t0 = System.nanoTime();
        BootstrapException late = expect(Code.TIMEOUT, "barrier", b::barrier);
        long waited = System.nanoTime() - t0;
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(1_900), "early: " + waited);
        assertTrue(waited < TimeUnit.SECONDS.toNanos(4), "late: " + waited);
        if (tcp) {
          // The point-to-point barrier names the partner it waits for, which may wait for the
          // last rank in turn.
          assertTrue(!late.ranks().isEmpty(), late.getMessage());
        } else {
          // The roll call finds the rank that has not entered the barrier.
          assertEquals(List.of(last), late.ranks(), late.getMessage());
          BootstrapException again = expect(Code.TIMEOUT, "barrier after a timeout", b::barrier);
          assertEquals(List.of(last), again.ranks(), again.getMessage());
        }
      }
      // Meet again over point-to-point messages before closing.
      for (int p = 0; p < n; p++) {
        b.send(p, 78, new byte[0]);
      }
      for (int p = 0; p < n; p++) {
        b.recv(p, 78, PROMPT);
      }
    }
  }

  /** Rule 11: close wakes blocked calls with CLOSED, is idempotent, and stops Muster's threads. */
  static void close(String uri) throws Exception {
    Set<String> before = musterThreads();
    Bootstrap b = open(uri);
    b.barrier();
    CountDownLatch blocked = new CountDownLatch(1);
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread waiter =
        new Thread(
            () -> {
              blocked.countDown();
              try {
                // From itself: a peer that closes first would end it with PEER_LOST instead.
                b.recv(b.rank(), 55, Duration.ofMinutes(1));
                outcome.set(new AssertionError("recv returned a message nobody sent"));
              } catch (Throwable t) {
                outcome.set(t);
              }
            });
    waiter.start();
    blocked.await();
    Thread.sleep(100); // let it reach the wait; the check below does not depend on it
    long start = System.nanoTime();
    b.close();
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "close took too long");
    waiter.join(5_000);
    assertTrue(
        outcome.get() instanceof BootstrapException
            && ((BootstrapException) outcome.get()).code() == Code.CLOSED,
        "a blocked recv must fail with CLOSED, got " + outcome.get());
    b.close(); // idempotent
    expect(Code.CLOSED, "send after close", () -> b.send(right(b), 1, new byte[1]));
    expect(Code.CLOSED, "recv after close", () -> b.recv(left(b), 1));
    expect(Code.CLOSED, "barrier after close", b::barrier);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    Set<String> left = musterThreads();
    while (!before.containsAll(left) && System.nanoTime() < until) {
      Thread.sleep(20); // waiting for a condition with a deadline
      left = musterThreads();
    }
    left.removeAll(before);
    assertTrue(left.isEmpty(), "threads left after close: " + left);
  }

  private static Set<String> musterThreads() {
    Set<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("muster-")) {
        names.add(t.getName() + "#" + t.getId());
      }
    }
    return names;
  }
}
