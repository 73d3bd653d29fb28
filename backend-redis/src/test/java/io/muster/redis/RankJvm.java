package io.muster.redis;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank in a JVM of its own, for tests that need a process to die and for timing open() across
 * processes. Its stdout says what happened, one line per event.
 *
 * <pre>
 *   RankJvm URI RANK SIZE hold            open, barrier, print "ready", wait until killed
 *   RankJvm URI RANK SIZE time START_MS   time open() at START_MS, +3 s and +6 s (epoch ms)
 * </pre>
 */
public final class RankJvm {
  /** How many times {@code time} opens a group. */
  static final int ROUNDS = 3;

  private RankJvm() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    int rank = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    try {
      switch (args[3]) {
        case "hold":
          hold(uri, rank, size);
          break;
        case "time":
          time(uri, rank, size, Long.parseLong(args[4]));
          break;
        default:
          throw new IllegalArgumentException("unknown action " + args[3]);
      }
    } catch (BootstrapException e) {
      System.out.println("failed " + e.code() + " " + e.getMessage());
      System.exit(2);
    }
  }

  private static void hold(String uri, int rank, int size) throws IOException {
    Bootstrap b = Bootstrap.open(uri, rank, size);
    b.barrier();
    System.out.println("ready");
    System.out.flush();
    System.in.read(); // until the test kills this process (or closes stdin)
    b.close();
  }

  private static void time(String uri, int rank, int size, long startMillis) throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      long wait = startMillis + round * 3000L - System.currentTimeMillis();
      if (wait > 0) {
        Thread.sleep(wait); // all ranks start together, as a job's processes would
      }
      long t0 = System.nanoTime();
      try (Bootstrap b = Bootstrap.open(uri.replace("ROUND", "r" + round), rank, size)) {
        long opened = System.nanoTime() - t0;
        b.barrier();
        System.out.println("open-us round=" + round + " " + opened / 1000);
      }
    }
  }

  /** Starts {@code RankJvm} with the test's class path. */
  static Process start(String... args) throws IOException {
    List<String> cp = new ArrayList<>();
    for (String p : List.of("jdk.module.path", "java.class.path")) {
      String v = System.getProperty(p);
      if (v != null && !v.isEmpty()) {
        cp.add(v);
      }
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of("-cp", String.join(File.pathSeparator, cp), RankJvm.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** The next line the process prints, or {@code null} at its end. */
  static String readLine(Process p) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = p.getInputStream().read()) >= 0 && c != '\n') {
      line.append((char) c);
    }
    return c < 0 && line.length() == 0 ? null : line.toString();
  }
}
