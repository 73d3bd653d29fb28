package io.muster.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

class ZkSmokeTest {
  @Test
  void fourRanksGatherAndLeaveNothing() throws Exception {
    try (TestingServer server = ZkServers.server();
        CuratorFramework inspect = ZkServers.client(server.getConnectString())) {
      List<String> before = ZkServers.tree(inspect);
      String uri = "zk://" + server.getConnectString() + "?job=smoke&session=4s&timeout=30s";
      Ranks.runAll(
          uri,
          4,
          b -> {
            List<byte[]> all = b.allGather(("r" + b.rank()).getBytes(StandardCharsets.UTF_8));
            for (int r = 0; r < 4; r++) {
              assertEquals("r" + r, new String(all.get(r), StandardCharsets.UTF_8));
            }
            b.barrier();
          });
      assertEquals(before, ZkServers.tree(inspect));
    }
  }
}
