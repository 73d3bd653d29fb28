package io.muster.cli.bench;

import io.muster.Bootstrap;
import io.muster.cli.bench.report.Metrics;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@link Conductor} of ranks that are threads of one JVM: a gate per phase that the last rank
 * to arrive opens, results reduced here (max over ranks) and sent to the bench command in one go,
 * and the JVM-wide measurements of a scale run (heap, socket descriptors, threads per rank).
 */
final class ThreadsConductor implements Conductor {
  private final int size;
  private final Groups groups;
  private final ControlLink link;
  private final Collected collected = new Collected();
  private final Map<String, Gate> gates = new ConcurrentHashMap<>();
  private long heapBefore;
  private long directBefore;
  private long fdsBefore;
  private int threadsBefore;

  /**
   * Releases every waiting rank when the last one arrives. The last rank unparks each waiter
   * itself: a latch would wake them in a chain, each woken thread waking the next, which with
   * thousands of threads on two cores costs a context switch per rank before the last one even
   * starts.
   */
  private static final class Gate {
    final Thread[] waiters;
    int arrived;
    volatile boolean open;
    volatile Signal signal;

    Gate(int size) {
      waiters = new Thread[size];
    }
  }

  ThreadsConductor(int size, Groups groups, ControlLink link) {
    this.size = size;
    this.groups = groups;
    this.link = link;
  }

  @Override
  public Signal ready(String phase) {
    return pass(phase, () -> phase.startsWith("open") ? groups.next() : "-");
  }

  @Override
  public void measure(String point, Bootstrap group) {
    pass(
        "measure." + point,
        () -> {
          if (point.equals("before")) {
            heapBefore = heapAfterGc();
            directBefore = directBytes();
            fdsBefore = socketDescriptors();
            threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
          } else {
            collected.result(Metrics.HEAP, new long[] {(heapAfterGc() - heapBefore) / size});
            collected.result(Metrics.DIRECT, new long[] {(directBytes() - directBefore) / size});
            long fds = socketDescriptors();
            if (fds >= 0 && fdsBefore >= 0) {
              collected.result(Metrics.SOCKET_FDS, new long[] {(fds - fdsBefore) / size});
            }
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            collected.result(Metrics.THREADS, new long[] {threads - threadsBefore});
          }
          return "-";
        });
  }

  /** Waits at {@code phase}'s gate; the last rank runs {@code last} and opens it. */
  private Signal pass(String phase, java.util.function.Supplier<String> last) {
    Gate g = gates.computeIfAbsent(phase, p -> new Gate(size));
    int arrival;
    synchronized (g) {
      arrival = g.arrived++;
      g.waiters[arrival] = Thread.currentThread();
    }
    if (arrival == size - 1) {
      String uri = last.get();
      g.signal = new Signal(System.nanoTime(), uri);
      g.open = true;
      for (int i = 0; i < size - 1; i++) {
        LockSupport.unpark(g.waiters[i]);
      }
    } else {
      while (!g.open) {
        LockSupport.park(g); // a spurious return just looks again
      }
    }
    return g.signal;
  }

  @Override
  public void result(String metric, long... values) {
    collected.result(metric, values);
  }

  @Override
  public void samples(String metric, long... values) {
    collected.samples(metric, values);
  }

  @Override
  public void progress(String what) {
    link.progress(what);
  }

  /** Sends what the ranks reported, reduced, to the bench command. */
  void flush() {
    collected.max().forEach(link::result);
    collected.samples().forEach(link::samples);
    collected.notes().forEach(link::note);
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Bytes of direct (off-heap) buffers in use: socket buffers live there, not on the heap. */
  private static long directBytes() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool.getMemoryUsed();
      }
    }
    return 0;
  }

  /** Socket descriptors this process holds (Linux: links in /proc/self/fd), or -1 if unknown. */
  static long socketDescriptors() {
    Path fd = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fd)) {
      return -1;
    }
    long n = 0;
    try (DirectoryStream<Path> links = Files.newDirectoryStream(fd)) {
      for (Path l : links) {
        try {
          if (Files.readSymbolicLink(l).toString().startsWith("socket:")) {
            n++;
          }
        } catch (IOException e) {
          // closed while listing
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return n;
  }
}
