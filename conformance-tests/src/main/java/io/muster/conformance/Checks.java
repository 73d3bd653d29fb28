package io.muster.conformance;

import static io.muster.conformance.Payloads.check;
import static io.muster.conformance.Payloads.fields;
import static io.muster.conformance.Payloads.header;
import static io.muster.conformance.Payloads.make;
import static io.muster.conformance.Payloads.seed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.function.Executable;

/**
 * The checks of each rule that one rank runs with messages alone, so the same code runs with ranks
 * as threads ({@link BootstrapConformanceKit}) and as processes ({@link RankProcess}). Every rank
 * of the group calls the same check at the same time.
 */
final class Checks {
  /**
   * How long a check waits for something that should come at once (the group's timeout is longer).
   */
  static final Duration PROMPT = Duration.ofSeconds(30);

  private Checks() {}

  static int right(Bootstrap b) {
    return (b.rank() + 1) % b.size();
  }

  static int left(Bootstrap b) {
    return (b.rank() - 1 + b.size()) % b.size();
  }

  /** Whether {@code message} names {@code rank} as a number of its own. */
  static boolean mentions(String message, int rank) {
    return message != null
        && Pattern.compile("(?<![0-9])" + rank + "(?![0-9])").matcher(message).find();
  }

  /**
   * Runs {@code call}, expecting a {@link BootstrapException} with {@code code}, and returns it.
   */
  static BootstrapException expect(Code code, String what, Executable call) {
    BootstrapException e = assertThrows(BootstrapException.class, call, what);
    if (e.code() != code) {
      throw new AssertionError(what + ": expected code " + code + ", got " + e, e);
    }
    return e;
  }

  // ---------------------------------------------------------------- rule 1

  /**
   * Rule 1: every rank sends {@code bytes} to both neighbours, then receives from both; a send that
   * waited for its recv would deadlock here.
   */
  static void sendThenRecv(Bootstrap b, int bytes) {
    byte[] mine = make(bytes, seed(b.rank(), 1));
    b.send(right(b), 1, mine);
    b.send(left(b), 1, mine);
    mine = null;
    int[] from = {left(b), right(b)};
    for (int peer : from) {
      check(b.recv(peer, 1, PROMPT), bytes, seed(peer, 1), "message from rank " + peer);
    }
  }

  /** Rule 1: the sender may reuse its array as soon as send returns. */
  static void sendCopies(Bootstrap b) {
    byte[] buf = make(100_000, seed(b.rank(), 2));
    b.send(right(b), 2, buf);
    Payloads.fill(buf, seed(b.rank(), 3));
    b.send(right(b), 2, buf);
    Arrays.fill(buf, (byte) 0);
    byte[] small = {1, 2, 3};
    b.send(right(b), 2, small);
    small[0] = 9;
    int l = left(b);
    check(b.recv(l, 2, PROMPT), 100_000, seed(l, 2), "first message from rank " + l);
    check(b.recv(l, 2, PROMPT), 100_000, seed(l, 3), "second message from rank " + l);
    assertArrayEquals(
        new byte[] {1, 2, 3},
        b.recv(l, 2, PROMPT),
        "a message changed after send returned; send must copy it");
  }

  // ---------------------------------------------------------------- rule 2

  /**
   * Rule 2: one thread per tag sends {@code count} numbered messages to every rank (itself
   * included), some of them large; the receiver drains the tags in the opposite order and checks
   * the numbers arrive in order.
   */
  static void fifo(Bootstrap b, int count) throws Exception {
    int n = b.size();
    int[] tags = {1, 2, 3};
    List<Task<Void>> senders = new ArrayList<>();
    for (int tag : tags) {
      senders.add(
          Task.run(
              "fifo-sender-" + b.rank() + "-" + tag,
              () -> {
                for (int seq = 0; seq < count; seq++) {
                  for (int peer = 0; peer < n; peer++) {
                    b.send(peer, tag, fifoMessage(b.rank(), tag, seq, n));
                  }
                }
              }));
    }
    for (int t = tags.length - 1; t >= 0; t--) {
      int tag = tags[t];
      for (int peer = 0; peer < n; peer++) {
        for (int seq = 0; seq < count; seq++) {
          byte[] m = b.recv(peer, tag, PROMPT);
          int[] f = fields(m, 3, "message from rank " + peer + " on tag " + tag);
          if (f[0] != peer || f[1] != tag || f[2] != seq) {
            fail(
                "from rank "
                    + peer
                    + " on tag "
                    + tag
                    + " expected message #"
                    + seq
                    + " but got #"
                    + f[2]
                    + " (sent by rank "
                    + f[0]
                    + " on tag "
                    + f[1]
                    + "): messages of one sender and tag must arrive in send order");
          }
          assertArrayEquals(fifoMessage(peer, tag, seq, n), m, "content of message #" + seq);
        }
      }
    }
    for (Task<Void> s : senders) {
      s.get("sending", PROMPT);
    }
  }

  private static byte[] fifoMessage(int from, int tag, int seq, int n) {
    int length = (n <= 8 && seq % 50 == 7) ? 200_000 + seq : 12 + (seq * 17) % 300;
    byte[] m = make(length, seed(from * 8 + tag, seq));
    ByteBuffer.wrap(m).putInt(from).putInt(tag).putInt(seq);
    return m;
  }

  /**
   * Rule 2: tags are independent. A message on tag 12 is received before an earlier one on tag 11;
   * and a recv blocked on tag 13 does not stop a recv on tag 14 from the same rank.
   */
  static void tagsAreIndependent(Bootstrap b) throws Exception {
    int r = right(b);
    int l = left(b);
    b.send(r, 11, Payloads.text("tag 11, sent first"));
    b.send(r, 12, Payloads.text("tag 12, sent second"));
    assertEquals(
        "tag 12, sent second",
        Payloads.text(b.recv(l, 12, PROMPT)),
        "recv on tag 12 while tag 11 is unread");
    assertEquals("tag 11, sent first", Payloads.text(b.recv(l, 11, PROMPT)));

    Task<byte[]> blocked = Task.start("recv-tag-13", () -> b.recv(l, 13, PROMPT));
    b.send(r, 14, Payloads.text("tag 14"));
    assertEquals(
        "tag 14",
        Payloads.text(b.recv(l, 14, PROMPT)),
        "recv on tag 14 while another thread waits on tag 13");
    b.send(r, 13, Payloads.text("tag 13"));
    assertEquals("tag 13", Payloads.text(blocked.get("recv on tag 13", PROMPT)));
  }

  // ---------------------------------------------------------------- rule 3

  /**
   * Rule 3: negative tags and peers outside 0..size-1 throw IllegalArgumentException at once, and
   * the group is unharmed.
   */
  static void rejectsBadTagsAndPeers(Bootstrap b) throws Exception {
    int n = b.size();
    int me = b.rank();
    byte[] m = {42};
    Duration d = Duration.ofSeconds(20);
    List<Call> calls = new ArrayList<>();
    calls.add(bad("send to rank -1", () -> b.send(-1, 0, m)));
    calls.add(bad("send to rank " + n, () -> b.send(n, 0, m)));
    calls.add(bad("send on tag -1", () -> b.send(me, -1, m)));
    calls.add(bad("send on tag MIN_VALUE", () -> b.send(right(b), Integer.MIN_VALUE, m)));
    calls.add(bad("recv from rank -1", () -> b.recv(-1, 0)));
    calls.add(bad("recv from rank " + n, () -> b.recv(n, 0)));
    calls.add(bad("recv on tag -1", () -> b.recv(left(b), -1)));
    calls.add(bad("recv with timeout from rank " + n, () -> b.recv(n, 0, d)));
    calls.add(bad("recv with timeout on tag -1", () -> b.recv(me, -1, d)));
    calls.add(bad("broadcast from root " + n, () -> b.broadcast(n, m)));
    calls.add(bad("broadcast from root -1", () -> b.broadcast(-1, m)));
    for (Call c : calls) {
      String what = c.what();
      long start = System.nanoTime();
      Throwable thrown =
          Task.run("bad-argument", c.body())
              .failure(what + " (rule 3: bad arguments throw at once)", Duration.ofSeconds(5));
      long ms = (System.nanoTime() - start) / 1_000_000;
      if (!(thrown instanceof IllegalArgumentException)) {
        throw new AssertionError(
            what
                + ": expected IllegalArgumentException, got "
                + (thrown == null ? "no exception" : thrown),
            thrown);
      }
      assertTrue(ms < 2000, what + " took " + ms + " ms; bad arguments must be rejected at once");
    }
    ringExchange(b, 15, "still usable after bad arguments");
  }

  /** A call that must throw, and what to call it in a failure. */
  private record Call(String what, Task.Steps body) {}

  private static Call bad(String what, Task.Steps call) {
    return new Call(what, call);
  }

  /** Rule 3: tags 0 and Integer.MAX_VALUE work, and a rank can send to itself. */
  static void extremeTagsAndSelf(Bootstrap b) {
    int me = b.rank();
    b.send(me, Integer.MAX_VALUE, Payloads.text("to myself on MAX_VALUE"));
    b.send(me, 0, Payloads.text("to myself on 0"));
    b.send(right(b), Integer.MAX_VALUE, Payloads.text("MAX_VALUE from " + me));
    b.send(right(b), 0, Payloads.text("0 from " + me));
    assertEquals("to myself on 0", Payloads.text(b.recv(me, 0, PROMPT)));
    assertEquals("to myself on MAX_VALUE", Payloads.text(b.recv(me, Integer.MAX_VALUE, PROMPT)));
    assertEquals("0 from " + left(b), Payloads.text(b.recv(left(b), 0, PROMPT)));
    assertEquals(
        "MAX_VALUE from " + left(b), Payloads.text(b.recv(left(b), Integer.MAX_VALUE, PROMPT)));
  }

  static void ringExchange(Bootstrap b, int tag, String what) {
    b.send(right(b), tag, Payloads.text("ring " + b.rank()));
    assertEquals("ring " + left(b), Payloads.text(b.recv(left(b), tag, PROMPT)), what);
  }

  // ---------------------------------------------------------------- rule 4

  private static final int[] LENGTHS = {
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    8,
    9,
    15,
    16,
    17,
    255,
    256,
    257,
    4095,
    4096,
    4097,
    65535,
    65536,
    65537,
    (1 << 20) - 1,
    1 << 20,
    (1 << 20) + 1,
    (8 << 20) + 3
  };

  /** Rule 4: messages of every length from 0 bytes up to {@code max}, around framing boundaries. */
  static void lengths(Bootstrap b, int max) {
    List<Integer> lengths = new ArrayList<>();
    for (int len : LENGTHS) {
      if (len <= max) {
        lengths.add(len);
      }
    }
    for (int len : lengths) {
      b.send(right(b), 4, make(len, seed(b.rank(), len)));
    }
    int l = left(b);
    for (int len : lengths) {
      check(b.recv(l, 4, PROMPT), len, seed(l, len), len + "-byte message from rank " + l);
    }
  }

  // ---------------------------------------------------------------- rule 5

  static void assertUnmodifiable(List<byte[]> list, String what) {
    assertThrows(
        UnsupportedOperationException.class,
        () -> list.set(0, new byte[0]),
        what + " must return an unmodifiable list (set)");
    assertThrows(
        UnsupportedOperationException.class,
        () -> list.add(new byte[0]),
        what + " must return an unmodifiable list (add)");
    assertThrows(
        UnsupportedOperationException.class,
        () -> list.remove(0),
        what + " must return an unmodifiable list (remove)");
  }

  /** Rule 5: allGather of contributions of different lengths (0 and {@code big} included). */
  static void allGather(Bootstrap b, int big) {
    int n = b.size();
    for (int round = 0; round < 3; round++) {
      int special = round % n;
      int[] len = new int[n];
      for (int r = 0; r < n; r++) {
        len[r] = r == special ? (round == 1 ? big : 0) : (r * 37 + round) % 100;
      }
      List<byte[]> all = b.allGather(make(len[b.rank()], seed(b.rank(), 100 + round)));
      assertEquals(n, all.size(), "allGather returns one entry per rank");
      for (int r = 0; r < n; r++) {
        check(all.get(r), len[r], seed(r, 100 + round), "allGather entry " + r);
      }
      assertUnmodifiable(all, "allGather");
    }
  }

  /** Rule 5: broadcast from several roots, of 0 bytes, small, and {@code big} bytes. */
  static void broadcast(Bootstrap b, int big) {
    int n = b.size();
    Set<Integer> roots = new LinkedHashSet<>();
    if (n <= 8) {
      for (int r = 0; r < n; r++) {
        roots.add(r);
      }
    } else {
      roots.addAll(List.of(0, 1, n / 2, n - 1));
    }
    int i = 0;
    for (int root : roots) {
      int len = i == 1 || (n == 1 && i == 0 && big > 0) ? big : (i * 101) % 3000;
      long seed = seed(root, 200 + i);
      byte[] got = b.broadcast(root, b.rank() == root ? make(len, seed) : null);
      check(got, len, seed, "broadcast from root " + root);
      i++;
    }
  }

  /** Rule 5: allToAll of messages of different lengths (0 included). */
  static void allToAll(Bootstrap b, int big) {
    int n = b.size();
    for (int round = 0; round < 2; round++) {
      List<byte[]> out = new ArrayList<>();
      for (int to = 0; to < n; to++) {
        out.add(
            make(allToAllLength(b.rank(), to, round, n, big), seed(b.rank() * 1000 + to, round)));
      }
      List<byte[]> in = b.allToAll(out);
      assertEquals(n, in.size(), "allToAll returns one entry per rank");
      for (int from = 0; from < n; from++) {
        check(
            in.get(from),
            allToAllLength(from, b.rank(), round, n, big),
            seed(from * 1000 + b.rank(), round),
            "allToAll entry from rank " + from);
      }
      assertUnmodifiable(in, "allToAll");
    }
  }

  private static int allToAllLength(int from, int to, int round, int n, int big) {
    if (round == 0 && from == 0 && to == n - 1) {
      return big;
    }
    return (from * 7 + to * 3 + round) % 50;
  }

  /**
   * Rule 5: user messages on many tags (small ones included), sent between collectives, are all
   * still there, in order, after the collectives.
   */
  static void collectivesLeaveUserMessages(Bootstrap b, int big) {
    int n = b.size();
    int[] tags = {0, 1, 2, 3, 4, 5, 7, 100, Integer.MAX_VALUE};
    Set<Integer> peers = new TreeSet<>(List.of(b.rank(), right(b), left(b)));
    int phases = 5;
    for (int phase = 0; phase < phases; phase++) {
      for (int peer : peers) {
        for (int tag : tags) {
          b.send(peer, tag, userMessage(b.rank(), tag, phase, big));
        }
      }
      switch (phase) {
        case 0:
          assertEquals(n, b.allGather(new byte[] {(byte) b.rank()}).size());
          break;
        case 1:
          assertEquals(big, b.broadcast(0, b.rank() == 0 ? new byte[big] : null).length);
          break;
        case 2:
          b.barrier();
          break;
        case 3:
          assertEquals(n, b.allToAll(Collections.nCopies(n, new byte[3])).size());
          break;
        default:
          int[] everyone = new int[n];
          Arrays.setAll(everyone, r -> r);
          b.groupBarrier(everyone);
      }
    }
    for (int peer : peers) {
      for (int tag : tags) {
        for (int phase = 0; phase < phases; phase++) {
          byte[] m = b.recv(peer, tag, PROMPT);
          assertArrayEquals(
              userMessage(peer, tag, phase, big),
              m,
              "user message #"
                  + phase
                  + " from rank "
                  + peer
                  + " on tag "
                  + tag
                  + " was lost, reordered or altered by a collective");
        }
      }
    }
  }

  private static byte[] userMessage(int from, int tag, int phase, int big) {
    int length = (tag == 0 && phase == 0) ? big : 12;
    byte[] m = make(Math.max(12, length), seed(from, tag) ^ phase);
    ByteBuffer.wrap(m).putInt(from).putInt(tag).putInt(phase);
    return m;
  }

  /**
   * Rule 5, with messages and clocks only (process mode): the last rank enters the barrier late; no
   * rank may leave before it entered. Clocks of one machine are compared, so ranks must share one.
   */
  static void barrierByClock(Bootstrap b) throws InterruptedException {
    int n = b.size();
    for (int round = 0; round < 2; round++) {
      if (b.rank() == n - 1) {
        Thread.sleep(300); // the latecomer: a barrier that does not wait lets the others out now
      }
      long entered = System.currentTimeMillis();
      b.barrier();
      long left = System.currentTimeMillis();
      long latest = 0;
      for (byte[] e : b.allGather(ByteBuffer.allocate(16).putLong(entered).putLong(left).array())) {
        latest = Math.max(latest, ByteBuffer.wrap(e).getLong());
      }
      assertTrue(
          left >= latest,
          "rank "
              + b.rank()
              + " left the barrier at "
              + left
              + " ms, before the last rank entered it at "
              + latest
              + " ms");
    }
  }

  // ---------------------------------------------------------------- rule 6

  /**
   * Rule 6: {@code threads} threads per rank send to every rank on one tag while as many threads
   * receive; then as many threads receive from one peer on one tag at once. Every message arrives
   * exactly once, each sending thread's messages in order.
   */
  static void concurrentPointToPoint(Bootstrap b, int threads, int count) throws Exception {
    int n = b.size();
    List<Task<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      tasks.add(
          Task.run(
              "p2p-sender-" + b.rank() + "-" + t,
              () -> {
                for (int seq = 0; seq < count; seq++) {
                  for (int peer = 0; peer < n; peer++) {
                    b.send(peer, 20, header(16, b.rank(), thread, seq));
                  }
                }
              }));
      tasks.add(
          Task.run(
              "p2p-receiver-" + b.rank() + "-" + t,
              () -> {
                for (int peer = thread; peer < n; peer += threads) {
                  int[] next = new int[threads];
                  for (int i = 0; i < threads * count; i++) {
                    int[] f = fields(b.recv(peer, 20, PROMPT), 3, "message from rank " + peer);
                    assertEquals(peer, f[0], "sender named in the message");
                    assertEquals(
                        next[f[1]],
                        f[2],
                        "messages of sending thread "
                            + f[1]
                            + " of rank "
                            + peer
                            + " out of order");
                    next[f[1]]++;
                  }
                }
              }));
    }
    for (Task<Void> t : tasks) {
      t.get("concurrent sends and receives", PROMPT);
    }
    tasks.clear();

    Set<String> taken = ConcurrentHashMap.newKeySet();
    int l = left(b);
    for (int t = 0; t < threads; t++) {
      int thread = t;
      tasks.add(
          Task.run(
              "p2p-sender2-" + b.rank() + "-" + t,
              () -> {
                for (int seq = 0; seq < count; seq++) {
                  b.send(right(b), 21, header(12, b.rank(), thread, seq));
                }
              }));
      tasks.add(
          Task.run(
              "p2p-receiver2-" + b.rank() + "-" + t,
              () -> {
                for (int i = 0; i < count; i++) {
                  int[] f = fields(b.recv(l, 21, PROMPT), 3, "message from rank " + l);
                  assertTrue(
                      f[0] == l && f[1] >= 0 && f[1] < threads && f[2] >= 0 && f[2] < count,
                      "unexpected message " + Arrays.toString(f));
                  assertTrue(
                      taken.add(f[1] + "/" + f[2]),
                      "message " + Arrays.toString(f) + " was received twice");
                }
              }));
    }
    for (Task<Void> t : tasks) {
      t.get("receivers sharing one peer and tag", PROMPT);
    }
    assertEquals(threads * count, taken.size(), "messages received by concurrent receivers");
  }

  /**
   * Rule 6: two threads per rank call allGather {@code calls} times each while a third exchanges
   * point-to-point messages. Collectives of one instance run one at a time, so the k-th allGather
   * of every rank meets the k-th of every other: every rank sees the same set of results, and each
   * result holds exactly one contribution per rank.
   */
  static void concurrentCollectives(Bootstrap b, int calls) throws Exception {
    int n = b.size();
    List<String> results = Collections.synchronizedList(new ArrayList<>());
    List<Task<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int thread = t;
      tasks.add(
          Task.run(
              "collective-" + b.rank() + "-" + t,
              () -> {
                for (int seq = 0; seq < calls; seq++) {
                  List<byte[]> all = b.allGather(header(12, b.rank(), thread, seq));
                  assertEquals(n, all.size());
                  StringBuilder key = new StringBuilder();
                  for (int r = 0; r < n; r++) {
                    int[] f = fields(all.get(r), 3, "allGather entry " + r);
                    assertTrue(
                        f[0] == r && (f[1] == 0 || f[1] == 1) && f[2] >= 0 && f[2] < calls,
                        "allGather entry " + r + " is " + Arrays.toString(f));
                    key.append(f[1]).append('/').append(f[2]).append(' ');
                  }
                  int[] own = fields(all.get(b.rank()), 3, "own entry");
                  assertEquals(thread + "/" + seq, own[1] + "/" + own[2], "own entry of allGather");
                  results.add(key.toString());
                }
              }));
    }
    tasks.add(
        Task.run(
            "p2p-during-collectives-" + b.rank(),
            () -> {
              for (int i = 0; i < 50; i++) {
                b.send(right(b), 22, header(8, b.rank(), i));
                int[] f = fields(b.recv(left(b), 22, PROMPT), 2, "ping");
                assertEquals(i, f[1], "point-to-point message order during collectives");
              }
            }));
    for (Task<Void> t : tasks) {
      t.get("concurrent collectives", PROMPT);
    }
    assertEquals(2 * calls, results.size());
    List<String> sorted = new ArrayList<>(results);
    Collections.sort(sorted);
    byte[] digest =
        MessageDigest.getInstance("SHA-256")
            .digest(String.join("\n", sorted).getBytes(StandardCharsets.UTF_8));
    List<byte[]> digests = b.allGather(digest);
    for (int r = 0; r < n; r++) {
      assertArrayEquals(
          digest,
          digests.get(r),
          "rank "
              + r
              + " saw other allGather results than rank "
              + b.rank()
              + ": concurrent collectives were not run one at a time");
    }
  }

  // ---------------------------------------------------------------- rule 7

  /**
   * Rule 7: a recv with an explicit timeout ends with TIMEOUT naming the peer, then all goes on.
   */
  static void recvTimesOut(Bootstrap b, Duration timeout) {
    int peer = right(b);
    long start = System.nanoTime();
    BootstrapException e =
        expect(
            Code.TIMEOUT, "recv from a rank that sends nothing", () -> b.recv(peer, 30, timeout));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(List.of(peer), e.ranks(), "ranks() of " + e);
    assertTrue(mentions(e.getMessage(), peer), "the message must name rank " + peer + ": " + e);
    assertTrue(
        ms >= timeout.toMillis() * 9 / 10,
        "timed out after " + ms + " ms, before its " + timeout.toMillis() + " ms");
    assertTrue(
        ms <= timeout.toMillis() + 5000,
        "timed out after " + ms + " ms, long after its " + timeout.toMillis() + " ms");
    b.barrier();
    ringExchange(b, 31, "still usable after a timeout");
  }

  // ---------------------------------------------------------------- rule 11

  /**
   * Rule 11 for one rank, run last: calls blocked in other threads fail with CLOSED, close is
   * idempotent and bounded, and every later call throws CLOSED. The caller makes sure every rank is
   * done with the others before any rank gets here.
   */
  static void closeEndsEverything(Bootstrap b, Duration bound) throws Exception {
    int me = b.rank();
    Task<byte[]> blocked = Task.start("blocked-recv-" + me, () -> b.recv(me, 40));
    Task<byte[]> blockedTimed =
        Task.start("blocked-recv-timed-" + me, () -> b.recv(me, 41, Duration.ofMinutes(1)));
    long start = System.nanoTime();
    Task<Void> closing = Task.run("close-" + me, b::close);
    Task<Void> closingToo = Task.run("close-again-" + me, b::close);
    closing.get("close()", bound);
    closingToo.get("a concurrent second close()", bound);
    b.close();
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms <= bound.toMillis(), "close took " + ms + " ms");
    for (Task<byte[]> t : List.of(blocked, blockedTimed)) {
      Throwable f = t.failure("a recv blocked in another thread when close was called", bound);
      if (!(f instanceof BootstrapException) || ((BootstrapException) f).code() != Code.CLOSED) {
        throw new AssertionError(
            "a recv blocked in another thread must fail with CLOSED on close, got "
                + (f == null ? "a message" : f),
            f);
      }
    }
    laterCallsThrowClosed(b, bound);
  }

  /** Rule 11: every call on a closed bootstrap throws CLOSED, promptly. */
  static void laterCallsThrowClosed(Bootstrap b, Duration bound) throws Exception {
    int n = b.size();
    int me = b.rank();
    List<Call> calls = new ArrayList<>();
    calls.add(bad("send to itself", () -> b.send(me, 0, new byte[1])));
    calls.add(bad("send to a peer", () -> b.send(right(b), 0, new byte[1])));
    calls.add(bad("recv", () -> b.recv(left(b), 0)));
    calls.add(bad("recv with timeout", () -> b.recv(me, 0, Duration.ofSeconds(30))));
    calls.add(bad("allGather", () -> b.allGather(new byte[1])));
    calls.add(bad("broadcast", () -> b.broadcast(0, new byte[1])));
    calls.add(bad("barrier", b::barrier));
    calls.add(bad("groupBarrier", () -> b.groupBarrier(me)));
    calls.add(bad("allToAll", () -> b.allToAll(Collections.nCopies(n, new byte[1]))));
    for (Call c : calls) {
      String what = c.what() + " after close";
      Throwable thrown = Task.run("after-close", c.body()).failure(what, bound);
      if (!(thrown instanceof BootstrapException)
          || ((BootstrapException) thrown).code() != Code.CLOSED) {
        throw new AssertionError(
            what
                + " must throw BootstrapException CLOSED, got "
                + (thrown == null ? "no exception" : thrown),
            thrown);
      }
    }
  }
}
