package io.muster.conformance;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a bootstrap must give back when it closes (rule 11): a snapshot of this JVM's threads and
 * file descriptors, compared after close. Muster's own threads are named {@code muster-…}; every
 * one started since the snapshot must be gone, as must every new non-daemon thread and every new
 * socket, pipe or file descriptor. Checks wait for the condition up to a deadline, since a thread
 * that has been told to stop may take a moment to end.
 *
 * <p>Threads and descriptors are per JVM, so tests that use this must not run in parallel.
 */
public final class Leaks {
  private static final Path FDS = Paths.get("/proc/self/fd");

  static {
    // The JDK opens a descriptor of its own for good the first time a socket closes (the socket
    // pair it closes channels through); open and close one now so no baseline misses it.
    try {
      java.nio.channels.SocketChannel.open().close();
    } catch (IOException e) {
      // no networking: nothing to warm up
    }
  }

  private final Set<Long> threads;
  private final Map<String, String> fds;

  private Leaks(Set<Long> threads, Map<String, String> fds) {
    this.threads = threads;
    this.fds = fds;
  }

  /** The threads and descriptors alive now. */
  public static Leaks snapshot() {
    Set<Long> ids = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      ids.add(t.getId());
    }
    return new Leaks(ids, descriptors());
  }

  /**
   * Fails unless, within {@code within}, every {@code muster-} thread and non-daemon thread started
   * since the snapshot has ended and every descriptor opened since then is closed.
   */
  public void assertReleased(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      List<Thread> threadsLeft = newThreads();
      Map<String, String> fdsLeft = newDescriptors();
      if (threadsLeft.isEmpty() && fdsLeft.isEmpty()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        StringBuilder m = new StringBuilder("still held ").append(within.toMillis());
        m.append(" ms after close (rule 11: close releases every thread and descriptor):");
        for (Thread t : threadsLeft) {
          m.append("\n thread ")
              .append(t.getName())
              .append(t.isDaemon() ? " (daemon)" : " (non-daemon)")
              .append('\n')
              .append(Task.stack(t));
        }
        fdsLeft.forEach(
            (fd, target) -> m.append("\n descriptor ").append(fd).append(" -> ").append(target));
        throw new AssertionError(m.toString());
      }
      try {
        Thread.sleep(10); // polling a condition with a deadline, not synchronising
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while checking for leaks", e);
      }
    }
  }

  private List<Thread> newThreads() {
    List<Thread> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive()
          && !threads.contains(t.getId())
          && (t.getName().startsWith("muster-") || !t.isDaemon())) {
        out.add(t);
      }
    }
    return out;
  }

  private Map<String, String> newDescriptors() {
    Map<String, String> now = descriptors();
    Map<String, String> out = new HashMap<>();
    now.forEach(
        (fd, target) -> {
          if (!target.equals(fds.get(fd)) && !ignorable(target)) {
            out.put(fd, target);
          }
        });
    return out;
  }

  /** Descriptors the JVM opens for itself on demand: class files, native libraries, entropy. */
  private static boolean ignorable(String target) {
    return target.endsWith(".jar")
        || target.endsWith(".so")
        || target.endsWith(".jmod")
        || target.endsWith("/modules")
        || target.startsWith("/proc/")
        || target.equals("/dev/random")
        || target.equals("/dev/urandom");
  }

  private static Map<String, String> descriptors() {
    Map<String, String> out = new HashMap<>();
    if (!Files.isDirectory(FDS)) {
      return out; // not Linux: threads are still checked
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(FDS)) {
      for (Path p : dir) {
        try {
          out.put(p.getFileName().toString(), Files.readSymbolicLink(p).toString());
        } catch (IOException e) {
          // closed while listing
        }
      }
    } catch (IOException e) {
      // unreadable: nothing to compare
    }
    return out;
  }
}
