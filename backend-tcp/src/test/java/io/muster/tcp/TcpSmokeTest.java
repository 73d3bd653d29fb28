package io.muster.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TcpSmokeTest {
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 8})
  void ringAllGatherBarrier(int n) throws Exception {
    TcpGroups.run(
        TcpGroups.uri("timeout=30s"),
        n,
        b -> {
          byte[] mine = ("rank " + b.rank()).getBytes(StandardCharsets.UTF_8);
          List<byte[]> all = b.allGather(mine);
          for (int r = 0; r < n; r++) {
            assertArrayEquals(("rank " + r).getBytes(StandardCharsets.UTF_8), all.get(r));
          }
          b.send((b.rank() + 1) % n, 7, mine);
          byte[] got = b.recv((b.rank() + n - 1) % n, 7);
          assertEquals("rank " + (b.rank() + n - 1) % n, new String(got, StandardCharsets.UTF_8));
          b.barrier();
        });
  }
}
