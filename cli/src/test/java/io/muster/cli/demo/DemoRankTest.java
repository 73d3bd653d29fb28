package io.muster.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The demo's rank body, with ranks as threads over {@code local:} (no processes). */
class DemoRankTest {
  private static final DemoSettings SMALL = new DemoSettings(3, 10, 1 << 20, 2);
  private static int groups;

  /** What one rank printed and returned. */
  record Rank(int code, String out, String err) {}

  /** Runs every rank of a fresh local: group in its own thread; {@code open} makes each rank's. */
  static List<Rank> demo(int n, IntFunction<Supplier<Bootstrap>> open) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Rank>> futures = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        int rank = r;
        futures.add(
            pool.submit(
                () -> {
                  ByteArrayOutputStream out = new ByteArrayOutputStream();
                  ByteArrayOutputStream err = new ByteArrayOutputStream();
                  int code;
                  try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                      PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                    code = new DemoRank(SMALL, o, e).run(Integer.toString(rank), open.apply(rank));
                  }
                  return new Rank(
                      code,
                      out.toString(StandardCharsets.UTF_8),
                      err.toString(StandardCharsets.UTF_8));
                }));
      }
      List<Rank> ranks = new ArrayList<>();
      for (Future<Rank> f : futures) {
        ranks.add(f.get(60, TimeUnit.SECONDS));
      }
      return ranks;
    } finally {
      pool.shutdownNow();
    }
  }

  static IntFunction<Supplier<Bootstrap>> local(int n, String query) {
    String uri = "local:demo-" + (groups++) + "?" + query;
    return rank -> () -> Bootstrap.open(uri, rank, n);
  }

  @ParameterizedTest(name = "{0} ranks")
  @ValueSource(ints = {1, 2, 3, 8})
  void everyRankPassesAndRankZeroPrintsOneRowPerRank(int n) throws Exception {
    List<Rank> ranks = demo(n, local(n, "timeout=30s"));
    for (int r = 0; r < n; r++) {
      assertEquals(0, ranks.get(r).code(), "rank " + r + ": " + ranks.get(r));
      assertEquals("", ranks.get(r).err(), "rank " + r);
      if (r > 0) {
        assertEquals("", ranks.get(r).out(), "only rank 0 reports");
      }
    }
    String table = ranks.get(0).out();
    String time = "\\d+(\\.\\d+)?(ns|us|ms|s)";
    for (int r = 0; r < n; r++) {
      String row = "(?m)^ +" + r + "( +" + time + "){4}$";
      assertTrue(Pattern.compile(row).matcher(table).find(), "a row for rank " + r + ":\n" + table);
    }
    assertTrue(Pattern.compile("(?m)^ +max( +" + time + "){4}$").matcher(table).find(), table);
    if (n == 1) {
      assertTrue(table.contains("ping-pong: skipped, it needs 2 ranks"), table);
    } else {
      assertTrue(
          Pattern.compile("ping-pong rank 0 <-> 1: 1 MiB messages, 2 round trips, [\\d.]+ [MG]iB/s")
              .matcher(table)
              .find(),
          table);
    }
  }

  @Test
  void aRankThatNeverJoinsFailsTheOthersInOpenNamingIt() throws Exception {
    IntFunction<Supplier<Bootstrap>> ok = local(3, "timeout=1s");
    List<Rank> ranks =
        demo(
            3,
            rank ->
                rank == 1
                    ? () -> {
                      throw new IllegalStateException("rank 1 crashed before joining");
                    }
                    : ok.apply(rank));
    assertEquals(1, ranks.get(1).code());
    assertTrue(
        ranks.get(1).err().startsWith("rank 1 failed in open: rank 1 crashed"), ranks.get(1).err());
    for (int r : new int[] {0, 2}) {
      Rank rank = ranks.get(r);
      assertEquals(1, rank.code(), rank.toString());
      assertTrue(rank.err().startsWith("rank " + r + " failed in open: [TIMEOUT] "), rank.err());
      assertTrue(
          Pattern.compile("waiting for (rank 1|ranks \\[(\\d+, )*1(, \\d+)*]) of 3")
              .matcher(rank.err())
              .find(),
          "names the missing rank: " + rank.err());
    }
  }

  @Test
  void aCorruptedAllGatherIsCaught() throws Exception {
    List<Rank> ranks =
        demo(2, corrupt(local(2, "timeout=5s"), "allGather", r -> wrongAllGather(r)));
    assertEquals(1, ranks.get(0).code(), ranks.get(0).toString());
    assertTrue(
        ranks
            .get(0)
            .err()
            .contains(
                "failed in allGather: allGather round 0: the block at index 1"
                    + " came from rank 0, round 0 instead of rank 1, round 0"),
        ranks.get(0).err());
  }

  @Test
  void aCorruptedPingPongEchoIsCaught() throws Exception {
    List<Rank> ranks =
        demo(2, corrupt(local(2, "timeout=5s"), "recv", DemoRankTest::flipLastByteOfBigMessages));
    assertEquals(1, ranks.get(0).code(), ranks.get(0).toString());
    assertTrue(
        ranks
            .get(0)
            .err()
            .contains(
                "failed in ping-pong: round 0: rank 1's echo of 1048576 bytes"
                    + " differs from what was sent at byte 1048575"),
        ranks.get(0).err());
  }

  @SuppressWarnings("unchecked")
  private static Object wrongAllGather(Object result) {
    List<byte[]> blocks = (List<byte[]>) result;
    return List.of(blocks.get(0), blocks.get(0));
  }

  private static Object flipLastByteOfBigMessages(Object result) {
    byte[] m = (byte[]) result;
    if (m.length > 8) {
      m[m.length - 1] ^= 1;
    }
    return m;
  }

  /** Rank 0's bootstrap, with {@code method}'s results passed through {@code change}. */
  private static IntFunction<Supplier<Bootstrap>> corrupt(
      IntFunction<Supplier<Bootstrap>> open, String method, Function<Object, Object> change) {
    return rank -> {
      Supplier<Bootstrap> real = open.apply(rank);
      if (rank != 0) {
        return real;
      }
      return () -> {
        Bootstrap b = real.get();
        return (Bootstrap)
            Proxy.newProxyInstance(
                Bootstrap.class.getClassLoader(),
                new Class<?>[] {Bootstrap.class},
                (proxy, m, args) -> {
                  try {
                    Object result = m.invoke(b, args);
                    return m.getName().equals(method) ? change.apply(result) : result;
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
      };
    };
  }
}
