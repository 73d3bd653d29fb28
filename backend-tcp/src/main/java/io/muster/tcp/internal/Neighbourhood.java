package io.muster.tcp.internal;

import java.util.Set;
import java.util.TreeSet;

/**
 * The peers a rank's collectives talk to: its hypercube partners ({@code rank ^ 2^k}), the rank it
 * folds onto beyond the largest power of two, and the ranks at distance {@code ±2^k} (Bruck and
 * ring steps). The coordinator hands each rank these addresses up front; any other peer's address
 * is looked up on first use, so no rank ever receives the whole roster.
 */
public final class Neighbourhood {
  private Neighbourhood() {}

  public static Set<Integer> of(int rank, int size) {
    Set<Integer> out = new TreeSet<>();
    int p2 = Integer.highestOneBit(size);
    if (rank < p2) {
      for (int mask = 1; mask < p2; mask <<= 1) {
        out.add(rank ^ mask);
      }
      if (rank + p2 < size) {
        out.add(rank + p2);
      }
    } else {
      out.add(rank - p2);
    }
    for (long d = 1; d < size; d <<= 1) {
      out.add((int) ((rank + d) % size));
      out.add((int) Math.floorMod(rank - d, (long) size));
    }
    out.remove(rank);
    return out;
  }
}
