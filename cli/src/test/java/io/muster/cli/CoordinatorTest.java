package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** {@code muster coordinator} serves groups until it is told to stop. */
class CoordinatorTest {

  @Test
  @DisabledOnOs(value = OS.WINDOWS, disabledReason = "stops the coordinator with SIGTERM")
  void servesAnExternalCoordinatorGroupUntilSigterm() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            JavaCommand.forMain(Muster.class, List.of("coordinator", "--port", "0")));
    pb.redirectErrorStream(true);
    pb.environment().put("MUSTER_TOKEN", "test-secret");
    Process coordinator = pb.start();
    try {
      BufferedReader lines =
          new BufferedReader(
              new InputStreamReader(coordinator.getInputStream(), StandardCharsets.UTF_8));
      String first = CompletableFuture.supplyAsync(() -> readLine(lines)).get(30, TimeUnit.SECONDS);
      assertNotNull(first, "the coordinator printed nothing");
      Matcher m =
          Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) \\(token required\\)")
              .matcher(first);
      assertTrue(m.find(), first);
      assertTrue(!first.contains("test-secret"), "the token is never printed: " + first);

      Captured demo =
          Captured.muster(
              "demo",
              "-n",
              "2",
              "--uri",
              "tcp://127.0.0.1:"
                  + m.group(1)
                  + "?coordinator=external&token=test-secret&timeout=30s",
              "--ping-pong-size",
              "64KiB",
              "--iterations",
              "10",
              "--warmup",
              "2");
      assertEquals(0, demo.code, demo.toString());
      assertTrue(!demo.toString().contains("test-secret"), "the token is masked: " + demo);

      coordinator.destroy();
      assertTrue(coordinator.waitFor(10, TimeUnit.SECONDS), "the coordinator stops on SIGTERM");
      assertEquals(143, coordinator.exitValue());
    } finally {
      coordinator.destroyForcibly();
    }
  }

  @Test
  void aPortInUseIsReportedWithExitCode1() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      Captured c = Captured.muster("coordinator", "--port", Integer.toString(taken.getLocalPort()));
      assertEquals(1, c.code, c.toString());
      assertTrue(
          c.err.startsWith("muster coordinator: cannot start a coordinator on "), c.toString());
    }
  }

  private static String readLine(BufferedReader r) {
    try {
      return r.readLine();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
