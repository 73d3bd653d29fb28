package io.muster.communicator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.communicator.examples.PingPong;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The communicator between real processes (one JVM per rank) over a tcp:// bootstrap. */
class ProcessModeTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "--tcp --address 127.0.0.1"})
  @DisplayName("the ping-pong example runs between two processes and verifies every iteration")
  void pingPong(String options) throws Exception {
    String[] args = (options + " --iterations 500 --bytes 262144").trim().split(" ");
    try (Processes group = Processes.start(2, PingPong.class, args)) {
      for (int r = 0; r < 2; r++) {
        assertEquals(0, group.exitStatus(r, 120), group.output(r));
      }
      String transport = options.contains("--tcp") ? "TCP" : "SHARED_MEMORY";
      assertTrue(
          group.output(0).matches("(?s).*Elapsed \\d+\\.\\d+ ms per iteration \\(500\\)\n.*"),
          group.output(0));
      for (int r = 0; r < 2; r++) {
        assertTrue(
            group
                .output(r)
                .contains(
                    "Rank " + r + ": succeeded, 500 iterations of 262144 bytes over " + transport),
            group.output(r));
      }
    }
  }

  @Test
  @RequiresCuda
  @DisplayName("the ping-pong example runs between two processes over CUDA IPC")
  void gpuPingPong() throws Exception {
    try (Processes group = Processes.start(2, PingPong.class, "--gpu", "--iterations", "200")) {
      for (int r = 0; r < 2; r++) {
        assertEquals(0, group.exitStatus(r, 120), group.output(r));
        assertTrue(group.output(r).contains("over CUDA_IPC verified"), group.output(r));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  @DisplayName("a peer process killed mid-transfer makes the writer fail with PEER_LOST")
  void peerKilledMidTransfer(Transport t) throws Exception {
    try (Processes group = Processes.start(2, PeerDeath.class, t.name())) {
      group.awaitOutput(0, "READY", 60);
      group.awaitOutput(1, "READY", 60);
      long killed = group.rank(1).pid();
      group.rank(1).destroyForcibly();
      assertEquals(3, group.exitStatus(0, 30), group.output(0));
      assertTrue(group.output(0).contains("FAILED PEER_LOST [1]"), group.output(0));
      assertEquals(0, filesOf(group.rank(0).pid(), false), "rank 0 closed and deleted its files");
      filesOf(killed, true); // a killed process cannot delete its own /dev/shm files
    }
  }

  /** Counts (or deletes) the /dev/shm files of process {@code pid}. */
  private static int filesOf(long pid, boolean delete) throws Exception {
    int n = 0;
    try (Stream<Path> files = Files.list(Communicator.sharedMemoryDirectory())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().startsWith("muster-" + pid + "-")) {
          n++;
          if (delete) {
            Files.deleteIfExists(f);
          }
        }
      }
    }
    return n;
  }
}
