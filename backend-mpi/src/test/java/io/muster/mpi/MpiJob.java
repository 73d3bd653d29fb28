package io.muster.mpi;

import io.muster.conformance.Prerequisites;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a Java main class as the ranks of a real MPI job: {@code mpirun -np N java -cp <this test
 * class path> Main args}. Installs Open MPI first when it is missing (see {@link Prerequisites}).
 */
final class MpiJob {
  /** What a finished job left behind. */
  static final class Result {
    final int exitCode;
    final String output;
    final Duration took;

    Result(int exitCode, String output, Duration took) {
      this.exitCode = exitCode;
      this.output = output;
      this.took = took;
    }

    /** The ranks that printed {@code PASS name}, as in {@code PASS barrier rank 3}. */
    Set<Integer> passed(String scenario) {
      Set<Integer> ranks = new LinkedHashSet<>();
      Matcher m =
          Pattern.compile("^PASS " + Pattern.quote(scenario) + " rank (\\d+)$", Pattern.MULTILINE)
              .matcher(output);
      while (m.find()) {
        ranks.add(Integer.parseInt(m.group(1)));
      }
      return ranks;
    }

    @Override
    public String toString() {
      return "exit code " + exitCode + " after " + took.toMillis() + " ms, output:\n" + output;
    }
  }

  private MpiJob() {}

  /** Makes sure mpirun and libmpi are here, installing Debian's Open MPI when they are not. */
  static Path requireMpirun() {
    return Prerequisites.require("mpirun", "openmpi-bin", "libopenmpi-dev");
  }

  /**
   * Runs {@code main} on {@code ranks} processes under mpirun and waits for the job, up to {@code
   * limit}; past it the job is killed and the result says so.
   *
   * @param jvmOptions options for each rank's JVM, such as {@code -Dmuster.mpi.maxTag=100}
   */
  static Result run(
      int ranks, List<String> jvmOptions, Class<?> main, List<String> args, Duration limit) {
    Path mpirun = requireMpirun();
    List<String> cmd = new ArrayList<>();
    cmd.add(mpirun.toString());
    if ("root".equals(System.getProperty("user.name"))) {
      cmd.add("--allow-run-as-root");
    }
    // More ranks than cores here; no binding, since a JVM is many threads; ob1 skips the probe of
    // fabrics that this machine lacks.
    cmd.addAll(List.of("--oversubscribe", "--bind-to", "none", "--mca", "pml", "ob1"));
    cmd.addAll(List.of("-np", Integer.toString(ranks)));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Quick to start on a small machine: the tests measure behaviour, not speed.
    cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", classPath(), main.getName()));
    cmd.addAll(args);
    return exec(cmd, limit);
  }

  /** Runs {@code main} as one plain JVM, without mpirun. */
  static Result runAlone(Class<?> main, List<String> args, Duration limit) {
    requireMpirun();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.addAll(List.of("-cp", classPath(), main.getName()));
    cmd.addAll(args);
    return exec(cmd, limit);
  }

  static Result exec(List<String> cmd, Duration limit) {
    long start = System.nanoTime();
    Path log;
    try {
      log = Files.createTempFile("muster-mpi-job", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      Process p = pb.start();
      boolean done;
      try {
        done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = false;
      }
      int code;
      if (!done) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        code = -1;
      } else {
        code = p.exitValue();
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      if (!done) {
        out += "\n[killed: the job ran past " + limit.toSeconds() + " s]";
      }
      return new Result(code, out, Duration.ofNanos(System.nanoTime() - start));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(log);
      } catch (IOException e) {
        // a temporary file
      }
    }
  }

  /** This JVM's class path and module path, with the test classes, for plain class-path ranks. */
  static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    try {
      entries.add(
          Path.of(MpiJob.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    for (String key : List.of("jdk.module.path", "java.class.path")) {
      String v = System.getProperty(key);
      if (v != null) {
        for (String e : v.split(File.pathSeparator)) {
          if (!e.isBlank() && !e.contains("surefire")) {
            entries.add(e);
          }
        }
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
