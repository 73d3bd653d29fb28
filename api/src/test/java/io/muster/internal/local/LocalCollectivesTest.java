package io.muster.internal.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.Bootstrap;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The collectives' algorithms, on every shape of group (powers of two and the ranks beyond). */
class LocalCollectivesTest {
  private static int groups;

  static void runGroup(int n, Consumer<Bootstrap> body) throws Exception {
    String name = "collectives-" + (groups++);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        int rank = r;
        done.add(
            pool.submit(
                () -> {
                  try (Bootstrap b = Bootstrap.open("local:" + name + "?timeout=20s", rank, n)) {
                    body.accept(b);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static byte[] blockOf(int rank, int salt) {
    byte[] b = new byte[(rank * 7 + salt) % 23];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (rank * 31 + i + salt);
    }
    return b;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5, 6, 7, 8, 9, 13, 16, 17})
  void allGatherBroadcastAllToAllAndBarriersAgree(int n) throws Exception {
    runGroup(
        n,
        b -> {
          for (int round = 0; round < 3; round++) {
            List<byte[]> all = b.allGather(blockOf(b.rank(), round));
            assertEquals(n, all.size());
            for (int r = 0; r < n; r++) {
              assertArrayEquals(blockOf(r, round), all.get(r));
            }
            int root = round % n;
            byte[] got = b.broadcast(root, b.rank() == root ? blockOf(root, 99) : null);
            assertArrayEquals(blockOf(root, 99), got);
            List<byte[]> out = new ArrayList<>();
            for (int to = 0; to < n; to++) {
              out.add(ByteBuffer.allocate(8).putInt(b.rank()).putInt(to).array());
            }
            List<byte[]> in = b.allToAll(out);
            for (int from = 0; from < n; from++) {
              ByteBuffer m = ByteBuffer.wrap(in.get(from));
              assertEquals(from, m.getInt());
              assertEquals(b.rank(), m.getInt());
            }
            b.barrier();
          }
        });
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 5, 8})
  void largeBroadcastScattersAndRings(int n) throws Exception {
    byte[] big = new byte[3 * 1024 * 1024 + 7];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 13);
    }
    runGroup(n, b -> assertArrayEquals(big, b.broadcast(1, b.rank() == 1 ? big : null)));
  }
}
