package io.muster.cli.bench;

import static io.muster.cli.bench.report.Metrics.ALL_GATHER;
import static io.muster.cli.bench.report.Metrics.ALL_TO_ALL;
import static io.muster.cli.bench.report.Metrics.BARRIER;
import static io.muster.cli.bench.report.Metrics.BROADCAST;
import static io.muster.cli.bench.report.Metrics.FIRST_TOTAL;
import static io.muster.cli.bench.report.Metrics.OPEN_FRESH;
import static io.muster.cli.bench.report.Metrics.OPEN_WARM;
import static io.muster.cli.bench.report.Metrics.SIGNAL_FRESH;
import static io.muster.cli.bench.report.Metrics.SIGNAL_WARM;
import static io.muster.cli.bench.report.Metrics.SOCKETS;

import io.muster.Bootstrap;
import io.muster.cli.bench.Conductor.Signal;
import io.muster.cli.bench.report.Metrics;
import io.muster.tcp.TcpBootstrap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What one rank does in a bench, the same whether ranks are processes or threads: open a fresh
 * group from a common start signal, open warm groups the same way, then time the collectives and
 * (ranks 0 and 1) a ping-pong. Each timed series is a mean per operation per repetition; the report
 * takes the maximum over ranks.
 */
final class Workload {
  /** The contribution of each rank to the collectives. */
  static final int BLOCK = 64;

  private static final int PING_PONG_TAG = 7;

  private final BenchSettings settings;
  private final Conductor conductor;
  private final int rank;
  private final int size;
  private final Plan plan;
  private final byte[] block;
  private final List<byte[]> blocks;
  private volatile String phase = "start";

  Workload(BenchSettings settings, Conductor conductor, int rank, int size, Plan plan) {
    this.settings = settings;
    this.conductor = conductor;
    this.rank = rank;
    this.size = size;
    this.plan = plan;
    this.block = new byte[BLOCK];
    Arrays.fill(block, (byte) rank);
    List<byte[]> b = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      b.add(block);
    }
    this.blocks = plan.allToAll() ? Collections.unmodifiableList(b) : List.of();
  }

  /** Where this rank is, for a failure message. */
  String phase() {
    return phase;
  }

  void run() {
    fresh();
    if (plan.freshOnly()) {
      return;
    }
    Bootstrap group = warmOpens();
    try {
      for (String op : Metrics.COLLECTIVES) {
        if (!op.equals(ALL_TO_ALL) || plan.allToAll()) {
          collective(group, op);
        }
      }
      if (plan.pingPong() && size >= 2) {
        for (int bytes : settings.pingPongSizes()) {
          pingPong(group, bytes);
        }
      }
      phase = "counting sockets";
      if (group instanceof TcpBootstrap) {
        conductor.result(SOCKETS, ((TcpBootstrap) group).sockets());
      }
      conductor.measure("after", group);
      phase = "close";
    } finally {
      group.close();
    }
  }

  /** The first group of this JVM: open, one allGather and one barrier, from the start signal. */
  private void fresh() {
    phase = "open (fresh JVM)";
    progress("open (fresh JVM)");
    Signal go = conductor.ready(OPEN_FRESH);
    long seen = System.nanoTime();
    long opened;
    long first;
    try (Bootstrap group = Bootstrap.open(go.uri(), rank, size)) {
      opened = System.nanoTime();
      phase = "first allGather";
      check(group.allGather(block));
      phase = "first barrier";
      group.barrier();
      first = System.nanoTime();
      phase = "close (fresh JVM)";
    }
    conductor.result(SIGNAL_FRESH, seen - go.nanos());
    conductor.result(OPEN_FRESH, opened - go.nanos());
    conductor.result(FIRST_TOTAL, first - go.nanos());
  }

  /** A group per repetition in this warm JVM; returns the last one, open. */
  private Bootstrap warmOpens() {
    int reps = settings.repetitions();
    long[] open = new long[reps];
    long[] seen = new long[reps];
    progress("open (warm JVM)");
    Bootstrap group = null;
    for (int k = 0; k < reps; k++) {
      phase = "open (warm JVM) #" + (k + 1);
      if (k == reps - 1) {
        conductor.measure("before", null);
      }
      Signal go = conductor.ready(OPEN_WARM + "." + k);
      seen[k] = System.nanoTime() - go.nanos();
      group = Bootstrap.open(go.uri(), rank, size);
      open[k] = System.nanoTime() - go.nanos();
      if (k < reps - 1) {
        phase = "close (warm JVM) #" + (k + 1);
        group.close();
        group = null; // so the heap measured before the last open holds no closed group
      }
    }
    conductor.result(SIGNAL_WARM, seen);
    conductor.result(OPEN_WARM, open);
    return group;
  }

  private void collective(Bootstrap group, String op) {
    phase = op;
    progress(op);
    Runnable once;
    switch (op) {
      case ALL_GATHER:
        once = () -> check(group.allGather(block));
        break;
      case BROADCAST:
        once = () -> checkLength(group.broadcast(0, rank == 0 ? block : null));
        break;
      case ALL_TO_ALL:
        once = () -> check(group.allToAll(blocks));
        break;
      case BARRIER:
        once = group::barrier;
        break;
      default:
        throw new IllegalArgumentException("no collective " + op);
    }
    int iterations = settings.iterationsFor(size);
    for (int i = settings.warmupFor(size); i > 0; i--) {
      once.run();
    }
    long[] mean = new long[settings.repetitions()];
    for (int r = 0; r < mean.length; r++) {
      group.barrier(); // every rank starts the repetition together
      long start = System.nanoTime();
      for (int i = 0; i < iterations; i++) {
        once.run();
      }
      mean[r] = (System.nanoTime() - start) / iterations;
    }
    conductor.result(op, mean);
  }

  /** Rank 0 sends, rank 1 echoes; rank 0 times round trips. Other ranks wait at the barrier. */
  private void pingPong(Bootstrap group, int bytes) {
    String metric = Metrics.pingPong(bytes);
    phase = "ping-pong " + metric;
    progress(metric);
    int iterations = settings.pingPongIterations(bytes);
    int warmup = Math.min(settings.warmup(), iterations);
    int reps = settings.repetitions();
    if (rank == 1) {
      for (int i = warmup + reps * iterations; i > 0; i--) {
        group.send(0, PING_PONG_TAG, group.recv(0, PING_PONG_TAG));
      }
    } else if (rank == 0) {
      byte[] message = new byte[bytes];
      Arrays.fill(message, (byte) 0x5a);
      for (int i = 0; i < warmup; i++) {
        roundTrip(group, message);
      }
      boolean keepSamples = bytes == settings.pingPongSizes().get(0);
      long[] samples = new long[keepSamples ? reps * iterations : 0];
      long[] mean = new long[reps];
      for (int r = 0; r < reps; r++) {
        long start = System.nanoTime();
        long last = start;
        for (int i = 0; i < iterations; i++) {
          roundTrip(group, message);
          if (keepSamples) {
            long now = System.nanoTime();
            samples[r * iterations + i] = now - last;
            last = now;
          }
        }
        mean[r] = (System.nanoTime() - start) / iterations;
      }
      conductor.result(metric, mean);
      if (keepSamples) {
        conductor.samples(metric, samples);
      }
    }
    group.barrier();
  }

  private static void roundTrip(Bootstrap group, byte[] message) {
    group.send(1, PING_PONG_TAG, message);
    byte[] echo = group.recv(1, PING_PONG_TAG);
    if (echo.length != message.length) {
      throw new IllegalStateException(
          "the echo has " + echo.length + " bytes instead of " + message.length);
    }
  }

  private void check(List<byte[]> all) {
    if (all.size() != size) {
      throw new IllegalStateException(all.size() + " blocks came back for " + size + " ranks");
    }
    for (byte[] b : all) {
      checkLength(b);
    }
  }

  private static void checkLength(byte[] b) {
    if (b.length != BLOCK) {
      throw new IllegalStateException("a block of " + b.length + " bytes instead of " + BLOCK);
    }
  }

  private void progress(String what) {
    if (rank == 0) {
      conductor.progress(what);
    }
  }
}
