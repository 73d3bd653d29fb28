package io.muster.cli.demo;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * One rank of {@code muster demo}: joins the group, then checks and times an allGather, a ring of
 * send/recv, a barrier and a ping-pong between ranks 0 and 1. Rank 0 gathers every rank's timings
 * and prints the summary. A failure ends the rank with one line on stderr naming the phase and the
 * error, which the launcher reports.
 */
public final class DemoRank {
  private static final int RING_TAG = 1;
  private static final int PING_PONG_TAG = 2;

  private final DemoSettings settings;
  private final PrintStream out;
  private final PrintStream err;
  private volatile String phase = "open";

  DemoRank(DemoSettings settings, PrintStream out, PrintStream err) {
    this.settings = settings;
    this.out = out;
    this.err = err;
  }

  /**
   * The rank process's entry point: joins the group {@code env:} describes ({@code MUSTER_URI},
   * {@code MUSTER_RANK}, {@code MUSTER_SIZE}); the arguments are {@link DemoSettings#toArgs()}.
   */
  public static void main(String[] args) {
    DemoSettings settings = DemoSettings.fromArgs(args);
    String rank = System.getenv().getOrDefault("MUSTER_RANK", "?");
    int code =
        new DemoRank(settings, System.out, System.err).run(rank, () -> Bootstrap.open("env:"));
    System.exit(code);
  }

  /**
   * Opens the group, runs every phase and closes the group.
   *
   * @param rank this rank, for the failure line (the group may never open)
   * @param open joins the group
   * @return the exit code: 0 when every phase passed, 1 otherwise
   */
  int run(String rank, Supplier<Bootstrap> open) {
    long start = System.nanoTime();
    try (Bootstrap group = open.get()) {
      phases(group, System.nanoTime() - start);
      phase = "close";
    } catch (RuntimeException | OutOfMemoryError e) {
      // printed last, after close() and its log lines, so the launcher quotes this line
      err.println("rank " + rank + " failed in " + phase + ": " + describe(e));
      return 1;
    }
    return 0;
  }

  private void phases(Bootstrap group, long openNanos) {
    phase = "allGather";
    long allGather = timed(i -> allGather(group, i));
    phase = "send/recv ring";
    long ring = timed(i -> ringStep(group, i));
    phase = "barrier";
    long barrier = timed(i -> group.barrier());
    phase = "ping-pong";
    PingPong pingPong = pingPong(group);
    phase = "summary";
    List<byte[]> gathered =
        group.allGather(new Timings(openNanos, allGather, ring, barrier).encode());
    if (group.rank() == 0) {
      List<Timings> timings = new ArrayList<>();
      for (byte[] t : gathered) {
        timings.add(Timings.decode(t));
      }
      Summary.print(out, settings, timings, pingPong);
    }
    group.barrier(); // everyone has its summary before anyone leaves
  }

  /** Runs {@code op} for the warm-up, then returns its mean time over the timed iterations. */
  private long timed(IntConsumer op) {
    for (int i = 0; i < settings.warmup(); i++) {
      op.accept(i);
    }
    long start = System.nanoTime();
    for (int i = settings.warmup(); i < settings.warmup() + settings.iterations(); i++) {
      op.accept(i);
    }
    return (System.nanoTime() - start) / settings.iterations();
  }

  private static void allGather(Bootstrap group, int round) {
    List<byte[]> all = group.allGather(stamp(group.rank(), round));
    if (all.size() != group.size()) {
      throw new IllegalStateException(
          "round " + round + " returned " + all.size() + " blocks for " + group.size() + " ranks");
    }
    for (int r = 0; r < all.size(); r++) {
      check(all.get(r), r, round, "allGather round " + round + ": the block at index " + r);
    }
  }

  private static void ringStep(Bootstrap group, int round) {
    int n = group.size();
    int left = (group.rank() + n - 1) % n;
    group.send((group.rank() + 1) % n, RING_TAG, stamp(group.rank(), round));
    check(
        group.recv(left, RING_TAG),
        left,
        round,
        "ring round " + round + ": the message from rank " + left);
  }

  /** Rank 0 sends to rank 1, which echoes; rank 0 checks the echo and times the round trips. */
  private PingPong pingPong(Bootstrap group) {
    if (group.size() < 2 || group.rank() > 1) {
      return null;
    }
    int bytes = settings.pingPongBytes();
    byte[] message = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      message[i] = (byte) (i * 31 + 7);
    }
    long total = 0;
    for (int round = 0; round <= settings.rounds(); round++) { // round 0 is the warm-up
      if (group.rank() == 1) {
        group.send(0, PING_PONG_TAG, group.recv(0, PING_PONG_TAG));
        continue;
      }
      if (bytes >= Integer.BYTES) {
        ByteBuffer.wrap(message).putInt(round); // so a stale echo cannot pass for this one
      }
      long start = System.nanoTime();
      group.send(1, PING_PONG_TAG, message);
      byte[] echo = group.recv(1, PING_PONG_TAG);
      if (round > 0) {
        total += System.nanoTime() - start;
      }
      int at = Arrays.mismatch(message, echo);
      if (at >= 0) {
        throw new IllegalStateException(
            "round "
                + round
                + ": rank 1's echo of "
                + bytes
                + " bytes differs from what was sent"
                + (at < Math.min(bytes, echo.length)
                    ? " at byte " + at
                    : ": it has " + echo.length + " bytes"));
      }
    }
    return group.rank() == 0 ? new PingPong(bytes, settings.rounds(), total) : null;
  }

  private static byte[] stamp(int rank, int round) {
    return ByteBuffer.allocate(2 * Integer.BYTES).putInt(rank).putInt(round).array();
  }

  private static void check(byte[] got, int rank, int round, String what) {
    if (got.length == 2 * Integer.BYTES) {
      ByteBuffer b = ByteBuffer.wrap(got);
      int r = b.getInt();
      int i = b.getInt();
      if (r == rank && i == round) {
        return;
      }
      throw new IllegalStateException(
          what
              + " came from rank "
              + r
              + ", round "
              + i
              + " instead of rank "
              + rank
              + ", round "
              + round);
    }
    throw new IllegalStateException(what + " has " + got.length + " bytes instead of 8");
  }

  private static String describe(Throwable e) {
    if (e instanceof BootstrapException) {
      return "[" + ((BootstrapException) e).code() + "] " + e.getMessage();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
