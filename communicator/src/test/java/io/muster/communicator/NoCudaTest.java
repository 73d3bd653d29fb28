package io.muster.communicator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Without a GPU driver, asking for CUDA is a clear CONFIG error, never a crash. */
class NoCudaTest {
  @BeforeEach
  void onlyWithoutCuda() {
    assumeFalse(Cuda.isAvailable(), "this machine has CUDA; CudaTest covers it");
  }

  @Test
  @DisplayName("Cuda says why it is unavailable")
  void saysWhy() {
    String why = Cuda.unavailableReason().orElseThrow();
    assertTrue(why.contains("libcuda.so.1") || why.contains("GPU"), why);
    BootstrapException e = assertThrows(BootstrapException.class, () -> Cuda.allocate(0, 1024));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("CUDA driver"), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  @Test
  @DisplayName("a CUDA IPC connect fails at once, before anything is sent")
  void connectFailsAtOnce() throws Exception {
    Ranks.run(
        2,
        (b, c) -> {
          BootstrapException e =
              assertThrows(
                  BootstrapException.class, () -> c.connect(Endpoint.cudaIpc(0), 1 - b.rank(), 0));
          assertEquals(Code.CONFIG, e.code());
          assertTrue(e.getMessage().contains("Use SHARED_MEMORY or TCP"), e.getMessage());
          // nothing was sent on the tag: it is still free for a host connection
          Connection conn =
              c.connect(Endpoint.sharedMemory(), 1 - b.rank(), 0)
                  .get(30, java.util.concurrent.TimeUnit.SECONDS);
          assertEquals(Transport.SHARED_MEMORY, conn.transport());
        });
  }
}
