package io.muster.conformance;

import io.muster.Bootstrap;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The rules as process-mode scenarios: what each rank of a group runs, one scenario after the other
 * on one open bootstrap, with messages alone (ranks share no memory). {@link #RULE11} closes the
 * bootstrap, so it comes last.
 */
enum Scenario {
  RULE1("Rule 1: send copies the message and returns without waiting for the matching recv") {
    @Override
    void run(Bootstrap b) {
      Checks.sendThenRecv(b, 16 << 20);
      Checks.sendCopies(b);
    }
  },
  RULE2("Rule 2: messages of one sender and tag arrive in send order; tags are independent") {
    @Override
    void run(Bootstrap b) throws Exception {
      Checks.fifo(b, Math.max(8, 800 / b.size()));
      Checks.tagsAreIndependent(b);
    }
  },
  RULE3("Rule 3: negative tags and unknown peers throw IllegalArgumentException; self-send works") {
    @Override
    void run(Bootstrap b) throws Exception {
      Checks.rejectsBadTagsAndPeers(b);
      Checks.extremeTagsAndSelf(b);
    }
  },
  RULE4("Rule 4: messages of 0 bytes up to 8 MiB (256 MiB is checked with ranks as threads)") {
    @Override
    void run(Bootstrap b) {
      Checks.lengths(b, (8 << 20) + 3);
    }
  },
  RULE5(
      "Rule 5: collectives take any lengths, return unmodifiable lists, leave user messages alone") {
    @Override
    void run(Bootstrap b) throws Exception {
      int big = (1 << 20) + 5;
      Checks.allGather(b, big);
      Checks.broadcast(b, big);
      Checks.allToAll(b, big);
      Checks.collectivesLeaveUserMessages(b, big);
      Checks.barrierByClock(b);
    }
  },
  RULE6("Rule 6: every method is thread-safe; collectives of one instance run one at a time") {
    @Override
    void run(Bootstrap b) throws Exception {
      Checks.concurrentPointToPoint(b, 4, 64);
      Checks.concurrentCollectives(b, 20);
    }
  },
  RULE7("Rule 7: recv ends within its timeout with TIMEOUT naming the peer") {
    @Override
    void run(Bootstrap b) {
      Checks.recvTimesOut(b, Duration.ofMillis(300));
    }
  },
  RULE11("Rule 11: close fails blocked and later calls with CLOSED and releases everything") {
    @Override
    void run(Bootstrap b) throws Exception {
      b.barrier(); // every rank is done with the others before any rank closes
      Checks.closeEndsEverything(b, Group.CLOSE_BOUND);
    }
  };

  private final String title;

  Scenario(String title) {
    this.title = title;
  }

  /** What the scenario checks, as a test's display name. */
  String title() {
    return title;
  }

  /** The scenario's name on a command line: {@code rule1}. */
  String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  abstract void run(Bootstrap b) throws Exception;

  static Scenario byId(String id) {
    for (Scenario s : values()) {
      if (s.id().equals(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "no scenario '" + id + "'; the scenarios are " + ids(List.of(values())));
  }

  static String ids(List<Scenario> scenarios) {
    return scenarios.stream().map(Scenario::id).collect(Collectors.joining(","));
  }

  static List<Scenario> all() {
    return Arrays.asList(values());
  }
}
