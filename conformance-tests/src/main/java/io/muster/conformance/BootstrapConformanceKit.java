package io.muster.conformance;

import static io.muster.conformance.Checks.PROMPT;
import static io.muster.conformance.Checks.expect;
import static io.muster.conformance.Checks.mentions;
import static io.muster.conformance.Checks.right;
import static io.muster.conformance.Payloads.check;
import static io.muster.conformance.Payloads.make;
import static io.muster.conformance.Payloads.seed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Bootstrap contract (API.md, rules 1 to 11) as tests, with the ranks of each group as threads
 * of this JVM. A backend adopts it in its own tests by saying how to make a URI for a fresh group:
 *
 * <pre>{@code
 * class LocalConformanceTest extends BootstrapConformanceKit {
 *   private static final AtomicInteger groups = new AtomicInteger();
 *
 *   @Override
 *   protected String groupUri(int size) {
 *     return "local:conformance-" + groups.incrementAndGet();
 *   }
 * }
 * }</pre>
 *
 * <p>Each {@code @Nested} group is named after the rule it checks; size-dependent rules run with
 * groups of {@link #groupSizes()} ranks. Optional capabilities (rank assignment, a port to send
 * garbage to) are hooks whose default opts out with a visible reason, and a capability a backend
 * lacks is checked to fail cleanly. Every group is checked for leaked threads and descriptors after
 * close, so the tests of one JVM must run one at a time (the JUnit default).
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
public abstract class BootstrapConformanceKit {
  /** The timeout put in every group URI that does not set one: no test waits five minutes. */
  static final Duration GROUP_TIMEOUT = Duration.ofSeconds(60);

  /** How long a whole group may run before it is reported stuck. */
  static final Duration GROUP_LIMIT = Duration.ofMinutes(3);

  /**
   * A URI for a fresh, unique group of {@code size} ranks; every rank opens it with {@code
   * Bootstrap.open(uri, rank, size)}, from its own thread. It must not set {@code rank} or {@code
   * size}; the kit adds {@code timeout}, {@code job} and {@code token} where a rule needs them.
   */
  protected abstract String groupUri(int size);

  /**
   * Makes {@code rank} die as abruptly as this backend allows within one JVM (rule 8): its peers
   * must then see {@code PEER_LOST}. The default closes it, which is all the {@code local:} backend
   * can do; a network backend should drop its connections without a goodbye, and say so with {@link
   * #crashIsAbrupt()}.
   */
  protected void crash(Bootstrap rank) {
    rank.close();
  }

  /**
   * Whether {@link #crash} kills the rank rather than closing it. Only a death makes every
   * collective that includes the rank fail: a rank that closes after doing its part of a collective
   * ({@code broadcast(0, m); close()} on the root) must not fail the others. False (the default)
   * skips the collective checks of rule 8 with a visible reason.
   */
  protected boolean crashIsAbrupt() {
    return false;
  }

  /**
   * Whether {@code Bootstrap.open(uri, -1, size)} assigns ranks. When it does not, the kit checks
   * that asking for it fails at once with {@code CONFIG}.
   */
  protected boolean supportsRankAssignment() {
    return false;
  }

  /** Whether {@link #supportsRankAssignment()} is known; a live run cannot tell. */
  boolean rankAssignmentKnown() {
    return true;
  }

  /**
   * The sockets of an open group that accept connections (coordinator, rank listeners), for rule 10
   * to send garbage to. Empty (the default) skips rule 10 with a visible reason.
   *
   * @param uri the URI the group was opened with
   * @param group the group's open bootstraps, by rank
   */
  protected List<InetSocketAddress> garbageTargets(String uri, List<Bootstrap> group) {
    return List.of();
  }

  /**
   * Whether groups of different jobs meet through one service that serves them all (an external
   * coordinator, Redis, ZooKeeper). A rank of another job is then just in another group, which no
   * backend can tell from a mistake, so the different-job check of rule 9 is skipped, visibly.
   */
  protected boolean jobsShareTheService() {
    return false;
  }

  /**
   * Whether the token is the service's own (as {@code muster coordinator --token} sets it), so the
   * kit cannot pick one per group: the token checks are then skipped, visibly.
   */
  protected boolean tokenIsTheService() {
    return false;
  }

  /** How soon survivors must see a dead peer (rule 8): 5 seconds, as the tcp backend promises. */
  protected Duration peerLossBound() {
    return Duration.ofSeconds(5);
  }

  /** The group sizes of the size-dependent rules. */
  protected int[] groupSizes() {
    return new int[] {1, 2, 3, 5, 8, 64};
  }

  /** A fresh group's URI with the kit's timeout unless the backend's hook set one. */
  protected final String uri(int size) {
    return Uris.withDefault(groupUri(size), "timeout", GROUP_TIMEOUT.toSeconds() + "s");
  }

  /** Runs {@code body} on every rank of a fresh group, then checks that close released all. */
  protected final void inGroup(int size, Group.RankBody body) {
    inGroup(uri(size), size, body);
  }

  final void inGroup(String uri, int size, Group.RankBody body) {
    Leaks before = Leaks.snapshot();
    Group.run(uri, size, GROUP_LIMIT, body);
    before.assertReleased(Group.CLOSE_BOUND);
  }

  /** The parts of every rule group: sizes for parameterised tests, and shared helpers. */
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract class Rule {
    Stream<Integer> sizes() {
      return Arrays.stream(groupSizes()).boxed();
    }

    Stream<Integer> sizesFromTwo() {
      return sizes().filter(n -> n >= 2);
    }

    Stream<Integer> sizesUpToEight() {
      return sizes().filter(n -> n <= 8);
    }
  }

  // ====================================================================== opening

  @Nested
  @Order(0)
  @DisplayName("Opening: open returns once every rank has joined; then any rank reaches any other")
  class Opening extends Rule {
    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("every rank knows its rank and size and reaches every rank, itself included")
    void everyRankReachesEveryOther(int n) {
      Set<Integer> seen = ConcurrentHashMap.newKeySet();
      inGroup(
          n,
          b -> {
            assertEquals(n, b.size(), "size()");
            assertTrue(seen.add(b.rank()), "rank " + b.rank() + " was given twice");
            for (int peer = 0; peer < n; peer++) {
              b.send(peer, 9, Payloads.header(8, b.rank(), peer));
            }
            for (int peer = 0; peer < n; peer++) {
              int[] f = Payloads.fields(b.recv(peer, 9, PROMPT), 2, "hello from rank " + peer);
              assertEquals(List.of(peer, b.rank()), List.of(f[0], f[1]), "hello from rank " + peer);
            }
          });
      assertEquals(n, seen.size());
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizesUpToEight")
    @DisplayName("rank -1 lets the backend assign distinct ranks, or fails at once with CONFIG")
    void rankAssignment(int n) throws Exception {
      Assumptions.assumeTrue(
          rankAssignmentKnown(),
          "whether the backend assigns ranks is not known here, so neither outcome can be checked");
      if (supportsRankAssignment()) {
        Set<Integer> ranks = ConcurrentHashMap.newKeySet();
        Leaks before = Leaks.snapshot();
        Group.runAssigningRanks(
            uri(n),
            n,
            GROUP_LIMIT,
            b -> {
              assertTrue(b.rank() >= 0 && b.rank() < n, "assigned rank " + b.rank() + " of " + n);
              assertTrue(ranks.add(b.rank()), "rank " + b.rank() + " was assigned twice");
              List<byte[]> all = b.allGather(new byte[] {(byte) b.rank()});
              for (int r = 0; r < n; r++) {
                assertEquals(r, all.get(r)[0], "allGather entry " + r + " after assignment");
              }
            });
        before.assertReleased(Group.CLOSE_BOUND);
        assertEquals(n, ranks.size());
      } else {
        Opened o = Opened.all(List.of(new OpenCall(uri(n), -1, n))).get(0);
        assertNotNull(
            o.error,
            "supportsRankAssignment() is false, yet open(uri, -1, "
                + n
                + ") succeeded: override it to return true");
        expectCode(Code.CONFIG, o, "open with rank -1 on a backend that cannot assign ranks");
        assertTrue(o.millis < 5000, "rejecting rank -1 took " + o.millis + " ms");
      }
    }

    @Test
    @DisplayName("an unknown query key fails with CONFIG naming the key")
    void unknownKey() throws Exception {
      Opened o =
          Opened.all(List.of(new OpenCall(Uris.with(uri(1), "no-such-key", "1"), 0, 1))).get(0);
      expectCode(Code.CONFIG, o, "open with an unknown key");
      assertTrue(
          o.error.getMessage().contains("no-such-key"), "the message names the key: " + o.error);
    }

    @Test
    @DisplayName("the token stays out of toString() and exception messages")
    void tokenStaysSecret() {
      assumeFalse(
          tokenIsTheService(),
          "the service holds the token, so the kit cannot choose one (tokenIsTheService())");
      String secret = "kit-Secret-7f3a9";
      String uri = Uris.with(uri(2), "token", secret);
      inGroup(
          uri,
          2,
          b -> {
            assertFalse(b.toString().contains(secret), "toString() shows the token: " + b);
            BootstrapException e =
                expect(
                    Code.TIMEOUT,
                    "recv that times out",
                    () -> b.recv(right(b), 3, Duration.ofMillis(50)));
            assertFalse(e.getMessage().contains(secret), "the message shows the token: " + e);
            b.barrier();
          });
    }
  }

  // ====================================================================== rule 1

  @Nested
  @Order(1)
  @DisplayName("Rule 1: send copies the message and returns without waiting for the matching recv")
  class Rule1SendDoesNotWait extends Rule {
    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("ranks that each send a large message, then recv, do not deadlock")
    void sendThenRecv(int n) {
      int bytes = n <= 2 ? 64 << 20 : n <= 8 ? 16 << 20 : 1 << 20;
      inGroup(n, b -> Checks.sendThenRecv(b, bytes));
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("every send returns before any recv is called, far beyond socket buffers")
    void sendReturnsBeforeAnyRecv(int n) {
      int count = n <= 2 ? 16 : n <= 8 ? 4 : 2;
      int bytes = n <= 8 ? (2 << 20) : (64 << 10);
      CountDownLatch allSent = new CountDownLatch(n);
      inGroup(
          n,
          b -> {
            for (int i = 0; i < count; i++) {
              for (int peer = 0; peer < n; peer++) {
                b.send(peer, 1, make(bytes, seed(b.rank() * 64 + i, peer)));
              }
            }
            allSent.countDown();
            assertTrue(
                allSent.await(PROMPT.toSeconds(), TimeUnit.SECONDS),
                "other ranks' sends did not return while nobody received");
            for (int peer = 0; peer < n; peer++) {
              for (int i = 0; i < count; i++) {
                check(
                    b.recv(peer, 1, PROMPT),
                    bytes,
                    seed(peer * 64 + i, b.rank()),
                    "message " + i + " from rank " + peer);
              }
            }
          });
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("the sender may change its array once send returns")
    void sendCopies(int n) {
      inGroup(n, Checks::sendCopies);
    }
  }

  // ====================================================================== rule 2

  @Nested
  @Order(2)
  @DisplayName("Rule 2: messages of one sender and tag arrive in send order; tags are independent")
  class Rule2Order extends Rule {
    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("numbered messages on three concurrent tags arrive in order, large ones included")
    void fifoPerSenderAndTag(int n) {
      int count = Math.max(8, 1500 / n);
      inGroup(n, b -> Checks.fifo(b, count));
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("recv on tag 2 completes while an earlier message on tag 1 is unread")
    void tagsAreIndependent(int n) {
      inGroup(n, Checks::tagsAreIndependent);
    }
  }

  // ====================================================================== rule 3

  @Nested
  @Order(3)
  @DisplayName(
      "Rule 3: negative tags and unknown peers throw IllegalArgumentException; self-send works")
  class Rule3Arguments extends Rule {
    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName(
        "a negative tag or a peer outside 0..size-1 throws IllegalArgumentException at once")
    void badArguments(int n) {
      inGroup(n, Checks::rejectsBadTagsAndPeers);
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("tags 0 and Integer.MAX_VALUE work, and a rank can send to itself")
    void extremeTagsAndSelf(int n) {
      inGroup(n, Checks::extremeTagsAndSelf);
    }
  }

  // ====================================================================== rule 4

  @Nested
  @Order(4)
  @DisplayName("Rule 4: messages of 0 bytes up to 256 MiB")
  class Rule4Lengths extends Rule {
    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("lengths from 0 bytes up, around every framing boundary")
    void lengths(int n) {
      inGroup(n, b -> Checks.lengths(b, n <= 8 ? (8 << 20) + 3 : (1 << 20) + 1));
    }

    @Test
    @DisplayName("two ranks send each other 256 MiB, then recv")
    void twoHundredFiftySixMebibytes() {
      long need = 2L << 30;
      Assumptions.assumeTrue(
          Runtime.getRuntime().maxMemory() >= need,
          "rule 4's 256 MiB exchange needs a heap of 3 GiB or more: run the tests with -Xmx3g");
      int bytes = 256 << 20;
      inGroup(
          2,
          b -> {
            int other = 1 - b.rank();
            byte[] mine = make(bytes, seed(b.rank(), 256));
            b.send(other, 5, mine);
            mine = null;
            check(
                b.recv(other, 5, GROUP_TIMEOUT), bytes, seed(other, 256), "256 MiB from " + other);
          });
    }
  }

  // ====================================================================== rule 5

  @Nested
  @Order(5)
  @DisplayName(
      "Rule 5: collectives take any lengths, return unmodifiable lists, leave user messages alone")
  class Rule5Collectives extends Rule {
    private int big(int n) {
      return n <= 8 ? (1 << 20) + 5 : 64 << 10;
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("allGather of contributions of different lengths, 0 included, indexed by rank")
    void allGather(int n) {
      inGroup(n, b -> Checks.allGather(b, big(n)));
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("broadcast from every root, of 0 bytes to over a MiB; null on non-roots")
    void broadcast(int n) {
      inGroup(n, b -> Checks.broadcast(b, big(n)));
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("allToAll of messages of different lengths, 0 included")
    void allToAll(int n) {
      inGroup(n, b -> Checks.allToAll(b, big(n)));
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("collectives neither consume nor reorder user messages on any tag")
    void collectivesLeaveUserMessages(int n) {
      inGroup(n, b -> Checks.collectivesLeaveUserMessages(b, big(n)));
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("no rank leaves barrier before every rank has entered it")
    void barrierWaitsForEveryRank(int n) {
      int rounds = 3;
      AtomicIntegerArray entered = new AtomicIntegerArray(rounds);
      inGroup(
          n,
          b -> {
            for (int round = 0; round < rounds; round++) {
              if (b.rank() == n - 1) {
                holdUntilOthersEnter(entered, round, n - 1);
              }
              entered.incrementAndGet(round);
              b.barrier();
              assertEquals(
                  n,
                  entered.get(round),
                  "rank " + b.rank() + " left barrier " + round + " before every rank entered it");
            }
          });
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("groupBarrier waits for exactly its members; other ranks need not take part")
    void groupBarrier(int n) {
      int[] evens = IntStream.range(0, n).filter(r -> r % 2 == 0).toArray();
      int[] odds = IntStream.range(0, n).filter(r -> r % 2 == 1).toArray();
      int[] ends = n == 1 ? new int[] {0} : new int[] {n - 1, 0}; // any order of the list
      AtomicIntegerArray entered = new AtomicIntegerArray(3);
      inGroup(
          n,
          b -> {
            int me = b.rank();
            int[] half = me % 2 == 0 ? evens : odds;
            groupRound(b, half, entered, me % 2);
            b.groupBarrier(me); // a group of one returns at once
            if (me == 0 || me == n - 1) {
              groupRound(b, ends, entered, 2);
            }
            b.barrier();
          });
    }

    private void groupRound(Bootstrap b, int[] members, AtomicIntegerArray entered, int slot)
        throws InterruptedException {
      int last = Arrays.stream(members).max().getAsInt();
      if (b.rank() == last) {
        holdUntilOthersEnter(entered, slot, members.length - 1);
      }
      entered.incrementAndGet(slot);
      b.groupBarrier(members);
      assertEquals(
          members.length,
          entered.get(slot),
          "rank "
              + b.rank()
              + " left groupBarrier "
              + Arrays.toString(members)
              + " before every member entered it");
    }
  }

  /**
   * The last rank waits until the others are on their way into a barrier, then holds back a moment
   * longer: a barrier that does not wait for it lets the others out in that moment.
   */
  static void holdUntilOthersEnter(AtomicIntegerArray entered, int slot, int others)
      throws InterruptedException {
    await(() -> entered.get(slot) >= others, PROMPT, "the other ranks to reach the barrier");
    Thread.sleep(50);
  }

  /** Polls {@code condition} until it holds, failing at the limit. */
  static void await(BooleanSupplier condition, Duration limit, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("waited " + limit.toMillis() + " ms for " + what);
      }
      Thread.sleep(1);
    }
  }

  // ====================================================================== rule 6

  @Nested
  @Order(6)
  @DisplayName("Rule 6: every method is thread-safe; collectives of one instance run one at a time")
  class Rule6Threads extends Rule {
    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("point-to-point calls from many threads at once")
    void pointToPointFromManyThreads(int n) {
      int count = Math.max(4, 256 / n);
      inGroup(n, b -> Checks.concurrentPointToPoint(b, 4, count));
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("collectives called from two threads of each rank run one at a time")
    void collectivesFromTwoThreads(int n) {
      inGroup(n, b -> Checks.concurrentCollectives(b, n <= 8 ? 20 : 5));
    }
  }

  // ====================================================================== rule 7

  @Nested
  @Order(7)
  @DisplayName(
      "Rule 7: every blocking call, open included, ends within its timeout with TIMEOUT naming the ranks it waited for")
  class Rule7Timeouts extends Rule {
    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName("recv with a Duration times out naming the peer; the group goes on")
    void recvWithDuration(int n) {
      inGroup(n, b -> Checks.recvTimesOut(b, Duration.ofMillis(300)));
    }

    @Test
    @DisplayName("recv without a Duration times out after the URI's timeout")
    void recvWithUriTimeout() {
      inGroup(
          Uris.with(groupUri(2), "timeout", "2s"),
          2,
          b -> {
            int other = 1 - b.rank();
            long start = System.nanoTime();
            BootstrapException e =
                expect(Code.TIMEOUT, "recv from a rank that sends nothing", () -> b.recv(other, 7));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(List.of(other), e.ranks(), "ranks() of " + e);
            assertTrue(
                mentions(e.getMessage(), other), "the message names rank " + other + ": " + e);
            assertTrue(ms >= 1800 && ms <= 7000, "timed out after " + ms + " ms, expected 2 s");
          });
    }

    @Test
    @DisplayName("a collective times out naming the rank that never joined it")
    void collectiveTimesOut() {
      CountDownLatch done = new CountDownLatch(1);
      inGroup(
          Uris.with(groupUri(2), "timeout", "2s"),
          2,
          b -> {
            if (b.rank() == 0) {
              try {
                long start = System.nanoTime();
                BootstrapException e =
                    expect(Code.TIMEOUT, "barrier that rank 1 never enters", b::barrier);
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertEquals(List.of(1), e.ranks(), "ranks() of " + e);
                assertTrue(mentions(e.getMessage(), 1), "the message names rank 1: " + e);
                assertTrue(ms >= 1800 && ms <= 7000, "timed out after " + ms + " ms, expected 2 s");
              } finally {
                done.countDown();
              }
            } else {
              assertTrue(done.await(30, TimeUnit.SECONDS), "rank 0's barrier never ended");
            }
          });
    }

    @ParameterizedTest(name = "{0} ranks, {1} missing")
    @CsvSource({"3, 1", "5, 2"})
    @DisplayName("open times out naming the ranks that never came")
    void openTimesOut(int n, int missing) throws Exception {
      String uri = Uris.with(groupUri(n), "timeout", "2s");
      List<Integer> absent = new ArrayList<>();
      List<OpenCall> calls = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        if (r < n - missing) {
          calls.add(new OpenCall(uri, r, n));
        } else {
          absent.add(r);
        }
      }
      Leaks before = Leaks.snapshot();
      for (Opened o : Opened.all(calls)) {
        expectCode(
            Code.TIMEOUT, o, "open of rank " + o.call.rank + " with ranks " + absent + " absent");
        assertEquals(absent, o.error.ranks(), "ranks() of " + o.error);
        for (int r : absent) {
          assertTrue(
              mentions(o.error.getMessage(), r), "the message names rank " + r + ": " + o.error);
        }
        assertTrue(
            o.millis >= 1800 && o.millis <= 7000,
            "open of rank " + o.call.rank + " timed out after " + o.millis + " ms, expected 2 s");
      }
      before.assertReleased(Group.CLOSE_BOUND);
    }
  }

  // ====================================================================== rule 8

  @Nested
  @Order(8)
  @DisplayName(
      "Rule 8: when a peer dies, operations that need it fail with PEER_LOST naming it; survivors go on")
  class Rule8PeerLoss extends Rule {
    Stream<Arguments> victims() {
      List<Arguments> out = new ArrayList<>();
      sizesFromTwo().forEach(n -> out.add(Arguments.of(n, n - 1)));
      sizesFromTwo().filter(n -> n <= 5).forEach(n -> out.add(Arguments.of(n, 0)));
      return out.stream();
    }

    @ParameterizedTest(name = "{0} ranks, rank {1} dies")
    @MethodSource("victims")
    @DisplayName(
        "a pending recv from a dead rank fails with PEER_LOST in time; later calls too; survivors go on")
    void pendingAndLaterOperationsFail(int n, int victim) {
      Duration bound = peerLossBound();
      int[] survivors = IntStream.range(0, n).filter(r -> r != victim).toArray();
      CountDownLatch waiting = new CountDownLatch(survivors.length);
      long[] diedAt = new long[1];
      inGroup(
          n,
          b -> {
            b.barrier();
            if (b.rank() == victim) {
              for (int s : survivors) {
                b.recv(s, 80, PROMPT); // every survivor is past the barrier: nothing is in flight
              }
              assertTrue(waiting.await(PROMPT.toSeconds(), TimeUnit.SECONDS));
              synchronized (diedAt) {
                diedAt[0] = System.nanoTime();
              }
              crash(b);
              return;
            }
            b.send(victim, 80, new byte[1]);
            waiting.countDown();
            BootstrapException e =
                expect(
                    Code.PEER_LOST,
                    "recv from rank " + victim + " as it dies",
                    () -> b.recv(victim, 81, PROMPT));
            long now = System.nanoTime();
            long ms;
            synchronized (diedAt) {
              ms = (now - diedAt[0]) / 1_000_000;
            }
            assertLost(e, victim);
            assertTrue(
                ms <= bound.toMillis(),
                "PEER_LOST came "
                    + ms
                    + " ms after rank "
                    + victim
                    + " died; the bound is "
                    + bound.toMillis()
                    + " ms");

            assertLost(
                expect(
                    Code.PEER_LOST,
                    "a later recv from the dead rank",
                    () -> b.recv(victim, 82, PROMPT)),
                victim);
            assertLost(
                expect(
                    Code.PEER_LOST,
                    "a later send to the dead rank",
                    () -> b.send(victim, 82, new byte[1])),
                victim);

            b.groupBarrier(survivors);
            int at = Arrays.binarySearch(survivors, b.rank());
            int next = survivors[(at + 1) % survivors.length];
            int prev = survivors[(at - 1 + survivors.length) % survivors.length];
            b.send(next, 83, Payloads.header(4, b.rank()));
            assertEquals(prev, Payloads.fields(b.recv(prev, 83, PROMPT), 1, "survivor ring")[0]);
            b.groupBarrier(survivors);
          });
    }

    @ParameterizedTest(name = "{0} ranks, rank {1} dies")
    @MethodSource("victims")
    @DisplayName(
        "a collective started after a rank died fails with PEER_LOST naming it, on every survivor")
    void laterCollectiveFails(int n, int victim) {
      assumeAbruptCrash();
      Duration bound = peerLossBound();
      inGroup(
          n,
          b -> {
            if (diesOrSeesDeath(b, victim, n)) {
              return;
            }
            Task<Void> barrier = Task.run("barrier-after-loss", b::barrier);
            Throwable f =
                barrier.failure(
                    "a barrier that needs the dead rank " + victim, bound.plusSeconds(5));
            assertCodeAndRank(
                f, Code.PEER_LOST, victim, "a barrier after rank " + victim + " died");
          });
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizesFromTwo")
    @DisplayName("a collective in progress fails with PEER_LOST on every survivor when a rank dies")
    void pendingCollectiveFails(int n) {
      assumeAbruptCrash();
      Duration bound = peerLossBound();
      int victim = n - 1;
      CountDownLatch entering = new CountDownLatch(n - 1);
      inGroup(
          n,
          b -> {
            b.barrier();
            if (b.rank() == victim) {
              for (int s = 0; s < victim; s++) {
                b.recv(s, 80, PROMPT); // every survivor is past the barrier: nothing is in flight
              }
              assertTrue(entering.await(PROMPT.toSeconds(), TimeUnit.SECONDS));
              crash(b);
              return;
            }
            b.send(victim, 80, new byte[1]);
            entering.countDown();
            Task<List<byte[]>> gather =
                Task.start("allGather-during-loss", () -> b.allGather(new byte[8]));
            Throwable f =
                gather.failure(
                    "an allGather that needs the dying rank " + victim, bound.plusSeconds(5));
            assertCodeAndRank(
                f, Code.PEER_LOST, victim, "allGather while rank " + victim + " dies");
          });
    }

    private void assumeAbruptCrash() {
      Assumptions.assumeTrue(
          crashIsAbrupt(),
          "crash() only closes the rank, and a rank that closes may have done its part of a"
              + " collective: override crash() to kill a rank abruptly and crashIsAbrupt() to say so");
    }

    /**
     * The victim dies once every rank is past a barrier; the others wait until their recv from it
     * fails. Returns true on the victim.
     */
    private boolean diesOrSeesDeath(Bootstrap b, int victim, int n) throws Exception {
      b.barrier();
      if (b.rank() == victim) {
        for (int s = 0; s < n; s++) {
          if (s != victim) {
            b.recv(s, 80, PROMPT); // every survivor is past the barrier: nothing is in flight
          }
        }
        crash(b);
        return true;
      }
      b.send(victim, 80, new byte[1]);
      expect(
          Code.PEER_LOST, "recv from the dying rank " + victim, () -> b.recv(victim, 81, PROMPT));
      return false;
    }

    private void assertLost(BootstrapException e, int victim) {
      assertEquals(List.of(victim), e.ranks(), "ranks() of " + e);
      assertTrue(mentions(e.getMessage(), victim), "the message names rank " + victim + ": " + e);
    }
  }

  static void assertCodeAndRank(Throwable f, Code code, int rank, String what) {
    if (!(f instanceof BootstrapException) || ((BootstrapException) f).code() != code) {
      throw new AssertionError(
          what
              + ": expected "
              + code
              + " naming rank "
              + rank
              + ", got "
              + (f == null ? "success" : f),
          f);
    }
    BootstrapException e = (BootstrapException) f;
    assertTrue(e.ranks().contains(rank), what + ": ranks() of " + e + " is " + e.ranks());
    assertTrue(
        mentions(e.getMessage(), rank), what + ": the message names rank " + rank + ": " + e);
  }

  // ====================================================================== rule 9

  @Nested
  @Order(9)
  @DisplayName("Rule 9: inconsistent configuration fails open fast with CONFIG naming the conflict")
  class Rule9Config extends Rule {
    /** Far below the conflicting rank's timeout: a backend must not wait for it. */
    private final Duration fast = Duration.ofSeconds(5);

    @Test
    @DisplayName("ranks that disagree on the size fail with CONFIG, fast")
    void differentSizes() throws Exception {
      String uri = groupUri(3);
      conflict(
          List.of(new OpenCall(Uris.with(uri, "timeout", "5s"), 0, 2)),
          new OpenCall(Uris.with(uri, "timeout", "60s"), 1, 3),
          List.of(),
          "size",
          List.of());
    }

    @Test
    @DisplayName("a rank claimed twice fails with CONFIG, fast")
    void rankClaimedTwice() throws Exception {
      String uri = groupUri(3);
      String waiting = Uris.with(uri, "timeout", "5s");
      conflict(
          List.of(new OpenCall(waiting, 0, 3), new OpenCall(waiting, 1, 3)),
          new OpenCall(Uris.with(uri, "timeout", "60s"), 1, 3),
          List.of(new OpenCall(waiting, 2, 3)),
          "rank 1",
          List.of());
    }

    @Test
    @DisplayName("a rank of another job fails with CONFIG, fast")
    void differentJob() throws Exception {
      assumeFalse(
          jobsShareTheService(),
          "one service serves every job here, so another job is another group, not a conflict"
              + " (jobsShareTheService())");
      String a = Uris.with(Uris.with(groupUri(2), "job", "kit-job-a"), "timeout", "5s");
      String b = Uris.with(Uris.with(a, "job", "kit-job-b"), "timeout", "60s");
      conflict(
          List.of(new OpenCall(a, 0, 2)),
          new OpenCall(b, 1, 2),
          List.of(new OpenCall(a, 1, 2)),
          "job",
          List.of());
    }

    @Test
    @DisplayName("a rank with another token fails with CONFIG, fast, and no message shows a token")
    void differentToken() throws Exception {
      assumeFalse(
          tokenIsTheService(),
          "the service holds the token, so the kit cannot choose one (tokenIsTheService())");
      String tokenA = "kit-Token-a81f";
      String tokenB = "kit-Token-b92e";
      String a = Uris.with(Uris.with(groupUri(2), "token", tokenA), "timeout", "5s");
      String b = Uris.with(Uris.with(a, "token", tokenB), "timeout", "60s");
      conflict(
          List.of(new OpenCall(a, 0, 2)),
          new OpenCall(b, 1, 2),
          List.of(new OpenCall(a, 1, 2)),
          "token",
          List.of(tokenA, tokenB));
    }

    /**
     * The {@code waiting} ranks open (with a short timeout), then the {@code conflicting} one (with
     * a long one), then the {@code completing} ones that would make the waiting ranks a consistent
     * group. Some rank must fail with CONFIG, fast, naming the conflict: the conflicting one, or
     * whichever came second. A backend may fail every rank that took part, or reject the odd one
     * and let the others complete; either way no rank waits for the long timeout, every failure is
     * CONFIG or TIMEOUT, and the ranks that open form one consistent group.
     */
    private void conflict(
        List<OpenCall> waiting,
        OpenCall conflicting,
        List<OpenCall> completing,
        String named,
        List<String> secrets)
        throws Exception {
      Leaks before = Leaks.snapshot();
      List<Task<Opened>> tasks = new ArrayList<>();
      for (OpenCall c : waiting) {
        tasks.add(Task.start("open-" + c.rank, () -> Opened.one(c)));
      }
      Opened odd = Task.call("the conflicting open", GROUP_TIMEOUT, () -> Opened.one(conflicting));
      // A backend that fails every rank of the conflict needs no completing ranks (they would wait
      // for their timeout); one that rejects only the odd rank leaves the others waiting for them.
      long settle = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      while (System.nanoTime() - settle < 0 && !tasks.stream().allMatch(Task::isDone)) {
        Thread.sleep(5);
      }
      if (!tasks.stream().allMatch(Task::isDone)) {
        for (OpenCall c : completing) {
          tasks.add(Task.start("open-" + c.rank, () -> Opened.one(c)));
        }
      }
      List<Opened> all = new ArrayList<>();
      all.add(odd);
      for (Task<Opened> t : tasks) {
        all.add(t.get("open", GROUP_TIMEOUT));
      }
      List<Opened> opened = new ArrayList<>();
      try {
        Opened config = null;
        for (Opened o : all) {
          if (o.bootstrap != null) {
            opened.add(o);
          } else if (o.error == null
              || (o.error.code() != Code.CONFIG && o.error.code() != Code.TIMEOUT)) {
            expectCode(Code.CONFIG, o, "open of rank " + o.call.rank + " of " + o.call.size);
          } else if (o.error.code() == Code.CONFIG
              && o.millis <= fast.toMillis()
              && o.error.getMessage().toLowerCase(Locale.ROOT).contains(named)) {
            config = o;
          }
          if (o.error != null) {
            for (String secret : secrets) {
              assertFalse(
                  o.error.getMessage().contains(secret), "a message shows a token: " + o.error);
            }
          }
        }
        if (config == null) {
          expectCode(Code.CONFIG, odd, "open of a rank whose " + named + " conflicts");
          fail(
              "no rank failed within "
                  + fast.toSeconds()
                  + " s with CONFIG naming the "
                  + named
                  + " (inconsistent configuration must fail fast): "
                  + odd.error
                  + " after "
                  + odd.millis
                  + " ms");
        }
        if (!opened.isEmpty()) {
          Set<Integer> ranks = new TreeSet<>();
          for (Opened o : opened) {
            assertTrue(
                ranks.add(o.bootstrap.rank()), "rank " + o.bootstrap.rank() + " opened twice");
            assertTrue(
                o.call != conflicting || named.equals("rank 1"), "the conflicting rank opened");
          }
          assertEquals(
              opened.get(0).bootstrap.size(),
              ranks.size(),
              "only part of a group opened: ranks " + ranks);
        }
      } finally {
        for (Opened o : opened) {
          o.bootstrap.close();
        }
      }
      before.assertReleased(Group.CLOSE_BOUND);
    }
  }

  // ====================================================================== rule 10

  @Nested
  @Order(10)
  @DisplayName("Rule 10: bytes that are not a frame of this job are dropped; the group carries on")
  class Rule10Garbage extends Rule {
    @Test
    @DisplayName(
        "scanners, HTTP requests, random bytes and frames claiming huge lengths change nothing")
    void garbageIsDropped() {
      int n = 3;
      String uri = uri(n);
      AtomicReferenceArray<Bootstrap> group = new AtomicReferenceArray<>(n);
      CountDownLatch allOpen = new CountDownLatch(n);
      AtomicBoolean none = new AtomicBoolean();
      List<Socket> garbage = new ArrayList<>();
      CountDownLatch sent = new CountDownLatch(1);
      inGroup(
          uri,
          n,
          b -> {
            group.set(b.rank(), b);
            allOpen.countDown();
            if (b.rank() == 0) {
              try {
                assertTrue(allOpen.await(PROMPT.toSeconds(), TimeUnit.SECONDS));
                List<Bootstrap> all = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                  all.add(group.get(r));
                }
                List<InetSocketAddress> targets = garbageTargets(uri, all);
                none.set(targets.isEmpty());
                for (InetSocketAddress target : targets) {
                  garbage.addAll(sendGarbage(target));
                }
              } finally {
                sent.countDown();
              }
            }
            assertTrue(sent.await(PROMPT.toSeconds(), TimeUnit.SECONDS));
            b.barrier();
            Checks.allGather(b, 100_000);
            Checks.ringExchange(b, 10, "point-to-point after garbage");
            Checks.lengths(b, 1 << 20);
            b.barrier();
            if (b.rank() == 0) {
              closeAll(garbage);
            }
            b.barrier();
            Checks.ringExchange(b, 11, "point-to-point after the garbage connections closed");
          });
      closeAll(garbage);
      Assumptions.assumeFalse(
          none.get(),
          "this backend names no socket to send garbage to: override garbageTargets() to check rule 10");
    }

    private List<Socket> sendGarbage(InetSocketAddress target) {
      List<byte[]> payloads = new ArrayList<>();
      payloads.add(new byte[0]); // a port scanner: connect, say nothing
      payloads.add(Payloads.text("GET / HTTP/1.1\r\nHost: muster\r\n\r\n"));
      byte[] noise = new byte[64 << 10];
      new Random(10).nextBytes(noise);
      payloads.add(noise);
      for (int length : new int[] {Integer.MAX_VALUE, -1, 0x7FFFFFF0, 1 << 30}) {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
          ByteBuffer frame = ByteBuffer.allocate(64).order(order);
          frame.putInt(length).putInt(length).putLong(Long.MAX_VALUE).putInt(1).putInt(length);
          payloads.add(frame.array());
        }
      }
      List<Socket> open = new ArrayList<>();
      for (byte[] p : payloads) {
        Socket s = new Socket();
        open.add(s);
        try {
          s.connect(target, 2000);
          s.setSoLinger(true, 0);
          OutputStream out = s.getOutputStream();
          out.write(p);
          out.flush();
        } catch (IOException e) {
          // refused or reset: the backend dropped it, which is allowed
        }
      }
      return open;
    }

    private void closeAll(List<Socket> sockets) {
      synchronized (sockets) {
        for (Socket s : sockets) {
          try {
            s.close();
          } catch (IOException e) {
            // already gone
          }
        }
      }
    }
  }

  // ====================================================================== rule 11

  @Nested
  @Order(11)
  @DisplayName(
      "Rule 11: close is idempotent and bounded, fails blocked and later calls with CLOSED, releases everything")
  class Rule11Close extends Rule {
    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName(
        "blocked calls in other threads fail with CLOSED; close is idempotent; later calls throw CLOSED")
    void closeEndsEverything(int n) {
      CountDownLatch ready = new CountDownLatch(n);
      CountDownLatch evensDone = new CountDownLatch((n + 1) / 2);
      inGroup(
          n,
          b -> {
            int me = b.rank();
            int peer = right(b);
            Task<byte[]> onPeer =
                Task.start("recv-from-peer-" + me, () -> b.recv(peer, 40, PROMPT));
            ready.countDown();
            assertTrue(ready.await(PROMPT.toSeconds(), TimeUnit.SECONDS));
            if (me % 2 == 1) {
              assertTrue(evensDone.await(PROMPT.toSeconds(), TimeUnit.SECONDS));
            }
            try {
              Checks.closeEndsEverything(b, Group.CLOSE_BOUND);
              Throwable f =
                  onPeer.failure(
                      "a recv from rank " + peer + " when rank " + me + " closed",
                      Group.CLOSE_BOUND);
              boolean peerStillOpen = me % 2 == 0 && peer % 2 == 1;
              Code expected = peerStillOpen ? Code.CLOSED : null;
              if (!(f instanceof BootstrapException)) {
                throw new AssertionError(
                    "a recv blocked in another thread must fail when its rank closes, got " + f, f);
              }
              Code got = ((BootstrapException) f).code();
              if (expected != null
                  ? got != expected
                  : got != Code.CLOSED && got != Code.PEER_LOST) {
                throw new AssertionError(
                    "a recv from rank "
                        + peer
                        + " blocked while rank "
                        + me
                        + " closed: expected CLOSED, got "
                        + f,
                    f);
              }
            } finally {
              if (me % 2 == 0) {
                evensDone.countDown();
              }
            }
          });
    }

    @ParameterizedTest(name = "{0} ranks")
    @MethodSource("sizes")
    @DisplayName(
        "close releases every thread and descriptor it created; no non-daemon thread outlives it")
    void closeReleasesEverything(int n) {
      Leaks before = Leaks.snapshot();
      Group.run(
          uri(n),
          n,
          GROUP_LIMIT,
          b -> {
            Checks.allGather(b, 1000);
            Checks.ringExchange(b, 12, "traffic before close");
            b.barrier();
          });
      before.assertReleased(Group.CLOSE_BOUND);
    }
  }

  // ====================================================================== opening helpers

  /** One {@code Bootstrap.open(uri, rank, size)} call. */
  static final class OpenCall {
    final String uri;
    final int rank;
    final int size;

    OpenCall(String uri, int rank, int size) {
      this.uri = uri;
      this.rank = rank;
      this.size = size;
    }
  }

  /** How an open call ended: a bootstrap or a BootstrapException, and how long it took. */
  static final class Opened {
    final OpenCall call;
    final Bootstrap bootstrap;
    final BootstrapException error;
    final Throwable other;
    final long millis;

    private Opened(OpenCall call, Bootstrap bootstrap, Throwable failure, long millis) {
      this.call = call;
      this.bootstrap = bootstrap;
      this.error = failure instanceof BootstrapException ? (BootstrapException) failure : null;
      this.other = failure instanceof BootstrapException ? null : failure;
      this.millis = millis;
    }

    static Opened one(OpenCall call) {
      long start = System.nanoTime();
      try {
        Bootstrap b = Bootstrap.open(call.uri, call.rank, call.size);
        return new Opened(call, b, null, (System.nanoTime() - start) / 1_000_000);
      } catch (RuntimeException e) {
        return new Opened(call, null, e, (System.nanoTime() - start) / 1_000_000);
      }
    }

    /** Runs the calls at once, each in its own thread, and closes every bootstrap that opened. */
    static List<Opened> all(List<OpenCall> calls) throws Exception {
      List<Task<Opened>> tasks = new ArrayList<>();
      for (OpenCall c : calls) {
        tasks.add(Task.start("open-" + c.rank, () -> one(c)));
      }
      List<Opened> out = new ArrayList<>();
      for (Task<Opened> t : tasks) {
        out.add(t.get("open", GROUP_TIMEOUT.plus(Group.CLOSE_BOUND)));
      }
      for (Opened o : out) {
        if (o.bootstrap != null) {
          o.bootstrap.close();
        }
      }
      return out;
    }
  }

  static void expectCode(Code code, Opened o, String what) {
    if (o.error == null || o.error.code() != code) {
      Throwable cause = o.error != null ? o.error : o.other;
      throw new AssertionError(
          what
              + ": expected BootstrapException "
              + code
              + ", got "
              + (cause == null ? "an open bootstrap" : cause)
              + " after "
              + o.millis
              + " ms",
          cause);
    }
  }
}
