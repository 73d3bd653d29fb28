package io.muster.communicator.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.communicator.Ranks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ping-pong example with its two ranks as threads of this JVM. */
class PingPongTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "--tcp --address 127.0.0.1"})
  @DisplayName("the ping-pong verifies every iteration and reports its time")
  void pingPongInThreads(String options) throws Exception {
    String[] args = (options + " --iterations 200 --bytes 65536").trim().split(" ");
    Map<Integer, String> outputs = new ConcurrentHashMap<>();
    Ranks.run(
        2,
        (b, c) -> {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
          assertEquals(0, PingPong.parse(args).run(b, out));
          outputs.put(b.rank(), bytes.toString(StandardCharsets.UTF_8));
        });
    String transport = options.contains("--tcp") ? "TCP" : "SHARED_MEMORY";
    assertTrue(
        outputs.get(0).matches("(?s)Elapsed \\d+\\.\\d+ ms per iteration \\(200\\)\n.*"),
        outputs.get(0));
    for (int r = 0; r < 2; r++) {
      assertTrue(
          outputs
              .get(r)
              .contains(
                  "Rank "
                      + r
                      + ": succeeded, 200 iterations of 65536 bytes over "
                      + transport
                      + " verified"),
          outputs.get(r));
    }
  }

  @Test
  @DisplayName("bad options are refused with the list of good ones")
  void badOptions() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PingPong.parse("--fast"));
    assertTrue(e.getMessage().contains("--iterations"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PingPong.parse("--bytes", "3"));
    assertThrows(IllegalArgumentException.class, () -> PingPong.parse("--iterations"));
  }
}
