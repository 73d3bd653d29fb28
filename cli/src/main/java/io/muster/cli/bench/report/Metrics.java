package io.muster.cli.bench.report;

import java.util.List;

/** The names of what the bench measures, shared by the ranks, the report and {@code --compare}. */
public final class Metrics {
  private Metrics() {}

  /** From the common start signal to {@code open()} returning, in a fresh JVM. */
  public static final String OPEN_FRESH = "open.fresh";

  /** The same, for a later group opened in the same (warm) JVMs. */
  public static final String OPEN_WARM = "open.warm";

  /** From the start signal to the rank noticing it (process wake-up), part of the open figures. */
  public static final String SIGNAL_FRESH = "signal.fresh";

  public static final String SIGNAL_WARM = "signal.warm";

  /** From the start signal of a fresh group to the end of its first allGather and barrier. */
  public static final String FIRST_TOTAL = "open+allGather+barrier";

  public static final String ALL_GATHER = "allGather";
  public static final String BROADCAST = "broadcast";
  public static final String ALL_TO_ALL = "allToAll";
  public static final String BARRIER = "barrier";

  /** The collectives, in the order they run. */
  public static final List<String> COLLECTIVES =
      List.of(ALL_GATHER, BROADCAST, ALL_TO_ALL, BARRIER);

  /** Sockets a rank holds after the collectives (the transport's own count). */
  public static final String SOCKETS = "sockets";

  /** Socket descriptors of the whole JVM per rank, from /proc/self/fd (threads mode). */
  public static final String SOCKET_FDS = "socketFds";

  /** Heap a rank's group takes (threads mode: growth of the heap after GC, over ranks). */
  public static final String HEAP = "heapPerRank";

  /** Direct (off-heap) buffer memory a rank's group takes (threads mode). */
  public static final String DIRECT = "directPerRank";

  /** Threads the groups add to the JVM beyond the rank threads (threads mode). */
  public static final String THREADS = "extraThreads";

  public static final String FLOOR_SPINNING = "floor-spinning";
  public static final String FLOOR_BLOCKING = "floor-blocking";

  /** {@code pingpong.64B}: the round trip of a message of {@code bytes}. */
  public static String pingPong(int bytes) {
    return "pingpong." + Units.size(bytes);
  }

  /** {@code throughput.64MiB}: bytes moved per second by that ping-pong, both ways counted. */
  public static String throughput(int bytes) {
    return "throughput." + Units.size(bytes);
  }

  public static boolean isFloor(String backend) {
    return backend.startsWith("floor-");
  }
}
