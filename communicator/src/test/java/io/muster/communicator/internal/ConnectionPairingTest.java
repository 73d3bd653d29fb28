package io.muster.communicator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.muster.communicator.Connection;
import io.muster.communicator.Endpoint;
import io.muster.communicator.Ranks;
import io.muster.communicator.Transport;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The n-th connect between two ranks on a tag is linked to the peer's n-th, on both ends. */
class ConnectionPairingTest {
  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("concurrent connects on one tag pair up in call order")
  void connectsPairInCallOrder(Transport t) throws Exception {
    int n = 3;
    int perPeer = 8;
    Map<String, Long> pairIds = new ConcurrentHashMap<>();
    Ranks.run(
        n,
        (b, c) -> {
          Endpoint e =
              t == Transport.TCP
                  ? Endpoint.tcp(InetAddress.getLoopbackAddress())
                  : Endpoint.sharedMemory();
          List<CompletableFuture<Connection>> all = new ArrayList<>();
          for (int i = 0; i < perPeer; i++) {
            for (int peer = 0; peer < n; peer++) {
              if (peer != b.rank()) {
                all.add(c.connect(e, peer, 11));
              }
            }
          }
          int k = 0;
          for (int i = 0; i < perPeer; i++) {
            for (int peer = 0; peer < n; peer++) {
              if (peer != b.rank()) {
                AbstractConnection conn =
                    (AbstractConnection) all.get(k++).get(30, TimeUnit.SECONDS);
                pairIds.put(b.rank() + "->" + peer + "#" + i, conn.pairId());
              }
            }
          }
          b.barrier();
          for (int i = 0; i < perPeer; i++) {
            for (int peer = 0; peer < n; peer++) {
              if (peer != b.rank()) {
                assertEquals(
                    pairIds.get(peer + "->" + b.rank() + "#" + i),
                    pairIds.get(b.rank() + "->" + peer + "#" + i),
                    "connection " + i + " between ranks " + b.rank() + " and " + peer);
              }
            }
          }
        });
    assertEquals(n * (n - 1) * perPeer, pairIds.values().stream().distinct().count() * 2);
  }
}
