package io.muster.conformance;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ranks as processes: starts one JVM per rank running {@link RankProcess} (same Java, same class
 * path as this JVM), collects what each prints, can {@code kill -9} a rank when it announces an
 * event, and always destroys the processes it started on {@link #close()}.
 */
public final class ProcessGroup implements AutoCloseable {
  private final List<Member> members = new ArrayList<>();

  /** What one rank process printed and how it ended. */
  public static final class Report {
    private final int index;
    private final List<String> lines;
    private final int exitCode;
    private final long killedAtMillis;

    Report(int index, List<String> lines, int exitCode, long killedAtMillis) {
      this.index = index;
      this.lines = List.copyOf(lines);
      this.exitCode = exitCode;
      this.killedAtMillis = killedAtMillis;
    }

    /** The process's position in the list it was started from. */
    public int index() {
      return index;
    }

    /** Everything it printed, standard error included. */
    public List<String> lines() {
      return lines;
    }

    /** Its exit status; 137 when killed. */
    public int exitCode() {
      return exitCode;
    }

    /** When it was killed (epoch milliseconds), or 0. */
    public long killedAtMillis() {
      return killedAtMillis;
    }

    /** The result line of {@code scenario}: {@code [status, detail]}, or null if none. */
    public String[] result(String scenario) {
      for (String l : lines) {
        String[] p = parse(l);
        if (p != null && p[1].equals("result") && p[2].equals(scenario)) {
          return new String[] {
            p[3].split(" ", 2)[0], p[3].contains(" ") ? p[3].split(" ", 2)[1] : ""
          };
        }
      }
      return null;
    }

    /** The value of the first event called {@code name}, or null. */
    public String event(String name) {
      for (String l : lines) {
        String[] p = parse(l);
        if (p != null && p[1].equals("event") && p[2].equals(name)) {
          return p[3];
        }
      }
      return null;
    }

    /** The output, for failure messages. */
    public String transcript() {
      return "--- rank process "
          + index
          + " (exit "
          + exitCode
          + ") ---\n"
          + String.join("\n", lines);
    }

    /** {@code [rank, kind, name, rest]} of a line meant for the parent, or null. */
    private static String[] parse(String line) {
      int at = line.indexOf(RankProcess.PREFIX);
      if (at < 0) {
        return null;
      }
      String[] p = line.substring(at + RankProcess.PREFIX.length()).split(" ", 4);
      return p.length < 3 ? null : new String[] {p[0], p[1], p[2], p.length > 3 ? p[3] : ""};
    }
  }

  private static final class Member {
    final int index;
    final Process process;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final Thread reader;
    volatile long killedAt;

    Member(int index, Process process, String killOn) {
      this.index = index;
      this.process = process;
      this.reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    lines.add(line);
                    if (killOn != null && killedAt == 0 && line.contains(" event " + killOn)) {
                      killedAt = System.currentTimeMillis();
                      process.destroyForcibly(); // SIGKILL on Linux and macOS
                    }
                  }
                } catch (IOException e) {
                  lines.add("(output ended: " + e + ")");
                }
              },
              "conformance-process-output-" + index);
      reader.setDaemon(true);
      reader.start();
    }
  }

  private ProcessGroup() {}

  /**
   * Starts one JVM per entry of {@code rankArgs}, each running {@link RankProcess} with those
   * arguments (and {@code --watch-parent}, so none outlives this JVM).
   *
   * @param jvmOptions options for each JVM, such as {@code -Xmx1g}
   * @param killOn per index, an event on whose announcement that process is killed with SIGKILL
   */
  public static ProcessGroup start(
      List<List<String>> rankArgs, List<String> jvmOptions, Map<Integer, String> killOn)
      throws IOException {
    ProcessGroup g = new ProcessGroup();
    try {
      for (int i = 0; i < rankArgs.size(); i++) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(RankProcess.class.getName());
        cmd.addAll(rankArgs.get(i));
        cmd.add("--watch-parent");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        g.members.add(new Member(i, p, killOn.get(i)));
      }
    } catch (IOException | RuntimeException e) {
      g.close();
      throw e;
    }
    return g;
  }

  /** Waits for every process to end, at most {@code limit} in all; kills those still running. */
  public List<Report> await(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    List<Report> out = new ArrayList<>();
    for (Member m : members) {
      long left = Math.max(0, deadline - System.nanoTime());
      boolean ended = m.process.waitFor(left, TimeUnit.NANOSECONDS);
      if (!ended) {
        m.lines.add("(still running after " + limit.toSeconds() + " s: killed)");
        m.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      m.reader.join(TimeUnit.SECONDS.toMillis(10));
      int code = m.process.isAlive() ? -1 : m.process.exitValue();
      List<String> copy;
      synchronized (m.lines) {
        copy = new ArrayList<>(m.lines);
      }
      out.add(new Report(m.index, copy, code, m.killedAt));
    }
    return out;
  }

  /** Kills every process still running and waits for it to go. */
  @Override
  public void close() {
    for (Member m : members) {
      m.process.destroyForcibly();
    }
    for (Member m : members) {
      try {
        m.process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** This JVM's class path, with its module path added: the children run everything as classes. */
  private static String classPath() {
    Map<String, Boolean> parts = new LinkedHashMap<>();
    for (String key : new String[] {"java.class.path", "jdk.module.path"}) {
      String v = System.getProperty(key);
      if (v != null && !v.isEmpty()) {
        for (String p : v.split(File.pathSeparator)) {
          if (!p.isEmpty()) {
            parts.put(p, true);
          }
        }
      }
    }
    return String.join(File.pathSeparator, parts.keySet());
  }
}
