package io.muster.communicator;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A tcp:// group with one JVM per rank, started the way {@code muster run} starts them (MUSTER_URI,
 * MUSTER_RANK, MUSTER_SIZE), each writing its output to a file. Every process started is stopped,
 * by its own handle, when the group closes.
 */
public final class Processes implements AutoCloseable {
  private final List<Process> ranks = new ArrayList<>();
  private final List<Path> outputs = new ArrayList<>();

  private Processes() {}

  /** Starts {@code n} ranks running {@code mainClass} with {@code args}. */
  public static Processes start(int n, Class<?> mainClass, String... args) throws IOException {
    String uri = "tcp://127.0.0.1:" + freePort() + "?timeout=60s";
    Processes group = new Processes();
    try {
      for (int r = 0; r < n; r++) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xss512k");
        command.add("-cp");
        command.add(classPath());
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Path out = Files.createTempFile("muster-rank" + r + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.redirectOutput(out.toFile());
        pb.environment().put("MUSTER_URI", uri);
        pb.environment().put("MUSTER_RANK", String.valueOf(r));
        pb.environment().put("MUSTER_SIZE", String.valueOf(n));
        group.outputs.add(out);
        group.ranks.add(pb.start());
      }
    } catch (IOException | RuntimeException e) {
      group.close();
      throw e;
    }
    return group;
  }

  /** This test JVM's class path and module path, as one class path. */
  static String classPath() {
    List<String> parts = new ArrayList<>();
    for (String key : new String[] {"jdk.module.path", "java.class.path"}) {
      String value = System.getProperty(key);
      if (value != null && !value.isEmpty()) {
        parts.add(value);
      }
    }
    return String.join(File.pathSeparator, parts);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    }
  }

  public Process rank(int r) {
    return ranks.get(r);
  }

  /** What rank {@code r} has printed so far. */
  public String output(int r) {
    try {
      return Files.readString(outputs.get(r), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** Waits until rank {@code r} has printed {@code text}, or fails after {@code seconds}. */
  public void awaitOutput(int r, String text, long seconds) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!output(r).contains(text)) {
      if (System.nanoTime() > end || !ranks.get(r).isAlive() && !output(r).contains(text)) {
        throw new AssertionError(
            "rank " + r + " did not print '" + text + "' within " + seconds + "s:\n" + output(r));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /** Waits for rank {@code r} to exit and returns its status; fails after {@code seconds}. */
  public int exitStatus(int r, long seconds) throws InterruptedException {
    Process p = ranks.get(r);
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError(
          "rank " + r + " (pid " + p.pid() + ") still runs after " + seconds + "s:\n" + output(r));
    }
    return p.exitValue();
  }

  /** Stops every rank still running, and removes the output files. */
  @Override
  public void close() {
    for (Process p : ranks) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    for (Process p : ranks) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Path out : outputs) {
      try {
        Files.deleteIfExists(out);
      } catch (IOException e) {
        // a temp file: the OS cleans it eventually
      }
    }
  }
}
