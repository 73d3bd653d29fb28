package io.muster.redis;

import io.muster.Bootstrap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * How long {@code Bootstrap.open} takes for 8 ranks on a local redis-server, both transports: as 8
 * threads of one JVM (repeated, median of the slowest rank), and as 8 processes that call open() at
 * the same instant (the first open of a fresh JVM, then two more, 3 s apart). Not a test: run it by
 * hand with the test class path, {@code java -cp … io.muster.redis.OpenTimeBenchmark [ranks]
 * [repeats]}.
 */
public final class OpenTimeBenchmark {
  private OpenTimeBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    try (RedisServer redis = RedisServer.start()) {
      for (String transport : List.of("tcp", "redis")) {
        threads(redis, transport, n, 5); // warm-up
        List<Long> slowest = threads(redis, transport, n, repeats);
        System.out.printf(
            "threads   %-5s %d ranks: open() of the slowest rank, median %.2f ms, min %.2f ms"
                + " (%d runs)%n",
            transport, n, median(slowest) / 1e3, Collections.min(slowest) / 1e3, repeats);
      }
      for (String transport : List.of("tcp", "redis")) {
        processes(redis, transport, n);
      }
    }
  }

  /** Per run, the slowest rank's open() time in microseconds. */
  private static List<Long> threads(RedisServer redis, String transport, int n, int runs)
      throws Exception {
    List<Long> out = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      String uri = redis.uri("job=" + RedisGroups.job() + "&transport=" + transport);
      List<Callable<Long>> ranks = new ArrayList<>();
      long[] opened = new long[n];
      List<Bootstrap> group = Collections.synchronizedList(new ArrayList<>());
      for (int r = 0; r < n; r++) {
        int rank = r;
        ranks.add(
            () -> {
              long t0 = System.nanoTime();
              Bootstrap b = Bootstrap.open(uri, rank, n);
              opened[rank] = (System.nanoTime() - t0) / 1000;
              group.add(b);
              return opened[rank];
            });
      }
      out.add(Collections.max(RedisGroups.parallel(ranks)));
      RedisGroups.onEach(group, Bootstrap::barrier);
      RedisGroups.closeAll(group);
    }
    return out;
  }

  private static void processes(RedisServer redis, String transport, int n) throws Exception {
    String uri = redis.uri("job=" + RedisGroups.job() + "-ROUND&transport=" + transport);
    long start = System.currentTimeMillis() + 5000; // time enough for every JVM to start
    List<Process> ps = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      ps.add(RankJvm.start(uri, String.valueOf(r), String.valueOf(n), "time", "" + start));
    }
    List<List<Long>> rounds = new ArrayList<>();
    for (int i = 0; i < RankJvm.ROUNDS; i++) {
      rounds.add(new ArrayList<>());
    }
    for (Process p : ps) {
      String line;
      while ((line = RankJvm.readLine(p)) != null) {
        if (line.startsWith("open-us round=")) {
          String[] f = line.split("[= ]");
          rounds.get(Integer.parseInt(f[2])).add(Long.parseLong(f[3]));
        } else {
          System.out.println("  rank output: " + line);
        }
      }
      p.waitFor(30, TimeUnit.SECONDS);
    }
    for (int round = 0; round < RankJvm.ROUNDS; round++) {
      List<Long> t = rounds.get(round);
      if (t.size() == n) {
        System.out.printf(
            "processes %-5s %d ranks, open() number %d of each JVM: slowest rank %.2f ms, median"
                + " rank %.2f ms%n",
            transport, n, round + 1, Collections.max(t) / 1e3, median(t) / 1e3);
      } else {
        System.out.println("processes " + transport + ": only " + t.size() + " ranks reported");
      }
    }
  }

  private static double median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
