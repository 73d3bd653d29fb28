package io.muster.cli.launch;

import io.muster.cli.launch.Outcome.Status;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts {@code size} copies of a command as the ranks of one group, in the manner of torchrun or
 * mpirun: each child gets {@code MUSTER_URI}, {@code MUSTER_RANK} and {@code MUSTER_SIZE} (so
 * {@code Bootstrap.open("env:")} joins the group), its output lines come back prefixed with its
 * rank ({@code [3] ...}), and the first child to fail stops the others.
 *
 * <p>Children are always stopped by pid, with their descendants, when a rank fails, when the launch
 * times out, and when this JVM shuts down (Ctrl-C): first politely, then forcibly.
 *
 * <p>For {@code mpi:} ({@link #mpirun}), one mpirun starts every rank: only processes it starts
 * share an MPI job. Its child then gets {@code MUSTER_URI} alone, rank and size come from mpirun,
 * and mpirun tags the output lines with the rank.
 */
public final class Launcher {
  /** How long a stopped child gets to exit after SIGTERM before it is killed. */
  private static final Duration GRACE = Duration.ofSeconds(3);

  /** How long to wait for a child's last output after it exited. */
  private static final Duration DRAIN = Duration.ofSeconds(5);

  private final int size;
  private final String uri;
  private final List<String> command;
  private final Duration timeout;
  private final Map<String, String> extraEnv;
  private final PrintStream out;
  private final PrintStream err;
  private final boolean viaMpirun;

  private Launcher(
      int size,
      String uri,
      List<String> command,
      Duration timeout,
      Map<String, String> extraEnv,
      PrintStream out,
      PrintStream err,
      boolean viaMpirun) {
    this.viaMpirun = viaMpirun;
    this.size = size;
    this.uri = uri;
    this.command = command;
    this.timeout = timeout;
    this.extraEnv = extraEnv;
    this.out = out;
    this.err = err;
  }

  /**
   * A launcher for {@code size} ranks of {@code command} joining {@code uri}, printing to this
   * process's stdout and stderr, with no time limit.
   */
  public static Launcher of(int size, String uri, List<String> command) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be at least 1, got " + size);
    }
    if (command.isEmpty()) {
      throw new IllegalArgumentException("no command to launch");
    }
    return new Launcher(
        size,
        Objects.requireNonNull(uri, "uri"),
        List.copyOf(command),
        null,
        Map.of(),
        System.out,
        System.err,
        false);
  }

  /** {@link #mpirun} for an {@code mpi:} URI, else {@link #of}. */
  public static Launcher forGroup(int size, String uri, List<String> command) {
    return Mpirun.launches(uri) ? mpirun(size, uri, command) : of(size, uri, command);
  }

  /**
   * A launcher of {@code size} ranks of {@code command} that one mpirun starts, for {@code mpi:}
   * URIs.
   *
   * @throws IllegalStateException naming the package to install when mpirun is missing
   */
  public static Launcher mpirun(int size, String uri, List<String> command) {
    List<String> cmd = new ArrayList<>(Mpirun.words(size));
    cmd.addAll(command);
    return new Launcher(
        1, Objects.requireNonNull(uri, "uri"), cmd, null, Map.of(), System.out, System.err, true);
  }

  /** The same launch, stopped after {@code limit} (null or zero: no limit). */
  public Launcher timeout(Duration limit) {
    Duration t = limit == null || limit.isZero() ? null : limit;
    return new Launcher(size, uri, command, t, extraEnv, out, err, viaMpirun);
  }

  /** The same launch, with the children's prefixed stdout and stderr lines going to these. */
  public Launcher output(PrintStream stdout, PrintStream stderr) {
    return new Launcher(size, uri, command, timeout, extraEnv, stdout, stderr, viaMpirun);
  }

  /** The same launch, with these variables added to every child's environment. */
  public Launcher environment(Map<String, String> variables) {
    Map<String, String> env = new LinkedHashMap<>(extraEnv);
    env.putAll(variables);
    return new Launcher(size, uri, command, timeout, Map.copyOf(env), out, err, viaMpirun);
  }

  /** Runs every rank to the end and says how it went. Never leaves a child running. */
  public Outcome run() {
    long start = System.nanoTime();
    List<Child> children = new ArrayList<>();
    Thread stopOnExit = new Thread(() -> stop(children), "muster-launcher-shutdown");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    try {
      return launchAndWait(children, start);
    } finally {
      stop(children);
      drain(children);
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnExit);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run: it stops the children itself
      }
    }
  }

  private Outcome launchAndWait(List<Child> children, long start) {
    BlockingQueue<Child> exited = new LinkedBlockingQueue<>();
    for (int rank = 0; rank < size; rank++) {
      Child child;
      try {
        child = start(rank);
      } catch (IOException | UncheckedIOException e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        return new Outcome(Status.START_FAILED, 127, rank, why, List.of(), since(start));
      }
      synchronized (children) {
        children.add(child);
      }
      child.process.onExit().thenRun(() -> exited.add(child));
    }
    long end = timeout == null ? Long.MAX_VALUE : start + timeout.toNanos();
    for (int running = size; running > 0; running--) {
      Child done;
      try {
        long left = end - System.nanoTime();
        done = timeout == null ? exited.take() : exited.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Outcome(Status.INTERRUPTED, 130, -1, "", List.of(), since(start));
      }
      if (done == null) {
        List<Integer> unfinished = new ArrayList<>();
        for (Child c : children) {
          if (c.process.isAlive()) {
            unfinished.add(c.rank);
          }
        }
        return new Outcome(Status.TIMED_OUT, 124, -1, "", unfinished, since(start));
      }
      int code = done.process.exitValue();
      if (code != 0) {
        stop(children);
        drain(List.of(done));
        return new Outcome(
            Status.RANK_FAILED, code, done.rank, done.lastWords(), List.of(), since(start));
      }
    }
    return new Outcome(Status.SUCCEEDED, 0, -1, "", List.of(), since(start));
  }

  private Child start(int rank) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.putAll(extraEnv);
    env.put("MUSTER_URI", uri);
    if (viaMpirun) {
      env.remove("MUSTER_RANK"); // mpirun gives each rank its own
      env.remove("MUSTER_SIZE");
    } else {
      env.put("MUSTER_RANK", Integer.toString(rank));
      env.put("MUSTER_SIZE", Integer.toString(size));
    }
    Process p = pb.start();
    p.getOutputStream().close(); // the ranks read no input: they see end of file at once
    Child child = new Child(rank, p);
    child.stdout = pump(child, p.getInputStream(), out, "stdout", false);
    child.stderr = pump(child, p.getErrorStream(), err, "stderr", true);
    return child;
  }

  private Thread pump(Child child, InputStream from, PrintStream to, String name, boolean isErr) {
    Thread t =
        new Thread(
            () -> {
              String prefix = viaMpirun ? "" : "[" + child.rank + "] ";
              try (BufferedReader r = new BufferedReader(new InputStreamReader(from))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  to.println(prefix + line);
                  if (!line.isBlank()) {
                    if (isErr) {
                      child.lastErr = line;
                    } else {
                      child.lastOut = line;
                    }
                  }
                }
              } catch (IOException e) {
                // the pipe closed under us: the child is gone and its output with it
              }
            },
            "muster-rank-" + child.rank + "-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Stops every child still running, and its descendants: SIGTERM, then SIGKILL after a grace. */
  private static void stop(List<Child> children) {
    List<ProcessHandle> doomed = new ArrayList<>();
    synchronized (children) {
      for (Child c : children) {
        if (c.process.isAlive()) {
          c.process.descendants().forEach(doomed::add);
          doomed.add(c.process.toHandle());
        }
      }
    }
    if (doomed.isEmpty()) {
      return;
    }
    doomed.forEach(ProcessHandle::destroy);
    long end = System.nanoTime() + GRACE.toNanos();
    for (ProcessHandle h : doomed) {
      long left = end - System.nanoTime();
      try {
        h.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        h.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        h.destroyForcibly();
      }
    }
    for (ProcessHandle h : doomed) {
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
  }

  /** Waits, within a bound, until the children's output has all been printed. */
  private static void drain(List<Child> children) {
    long end = System.nanoTime() + DRAIN.toNanos();
    for (Child c : children) {
      for (Thread t : new Thread[] {c.stdout, c.stderr}) {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
        if (t == null || leftMs <= 0) {
          continue;
        }
        try {
          t.join(leftMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** One rank's process and what it said last. */
  private static final class Child {
    final int rank;
    final Process process;
    Thread stdout;
    Thread stderr;
    volatile String lastOut = "";
    volatile String lastErr = "";

    Child(int rank, Process process) {
      this.rank = rank;
      this.process = process;
    }

    /** Its last line on stderr, where failures go, or else on stdout. */
    String lastWords() {
      return lastErr.isEmpty() ? lastOut : lastErr;
    }
  }
}
