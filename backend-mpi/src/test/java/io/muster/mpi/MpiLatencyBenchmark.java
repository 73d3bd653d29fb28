package io.muster.mpi;

import io.muster.Bootstrap;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The Java side of {@code src/bench/latency.sh}: times {@code allGather} of 64 bytes and {@code
 * barrier} on an {@code mpi:} group, the same way {@code src/bench/c/mpi_latency.c} times the MPI
 * calls underneath. Not a test: a benchmark, run under mpirun.
 *
 * <pre>
 * mpirun -np 8 java -cp … io.muster.mpi.MpiLatencyBenchmark [uri] [iterations] [repeats]
 * </pre>
 *
 * <p>Each repeat times both loops; a loop's time is the slowest rank's mean per call. Rank 0 prints
 * the median over the repeats (the first is warm-up and not counted), then the fastest and slowest:
 * {@code Java <loop> ranks=N median=X us min=Y us max=Z us}.
 */
public final class MpiLatencyBenchmark {
  private MpiLatencyBenchmark() {}

  public static void main(String[] args) {
    String uri = args.length > 0 ? args[0] : "mpi:";
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    String label = uri.contains("transport=tcp") ? "Java(tcp)" : "Java";
    try (Bootstrap b = Bootstrap.open(uri)) {
      byte[] contribution = new byte[64];
      double[][] times = new double[2][repeats];
      for (int r = 0; r <= repeats; r++) {
        for (int loop = 0; loop < 2; loop++) {
          b.barrier();
          long start = System.nanoTime();
          for (int i = 0; i < iterations; i++) {
            if (loop == 0) {
              contribution[0] = (byte) i;
              b.allGather(contribution);
            } else {
              b.barrier();
            }
          }
          double mine = (System.nanoTime() - start) / 1e3 / iterations;
          double slowest = slowest(b, mine);
          if (r > 0) {
            times[loop][r - 1] = slowest;
          }
        }
      }
      if (b.rank() == 0) {
        String[] names = {"allgather-64B", "barrier"};
        for (int loop = 0; loop < 2; loop++) {
          double[] v = times[loop];
          Arrays.sort(v);
          System.out.printf(
              "%s %s ranks=%d median=%.2f us min=%.2f us max=%.2f us%n",
              label, names[loop], b.size(), v[repeats / 2], v[0], v[repeats - 1]);
        }
        System.out.flush();
      }
    }
  }

  private static double slowest(Bootstrap b, double mine) {
    List<byte[]> all = b.allGather(ByteBuffer.allocate(8).putDouble(mine).array());
    double max = 0;
    for (byte[] t : all) {
      max = Math.max(max, ByteBuffer.wrap(t).getDouble());
    }
    return max;
  }
}
