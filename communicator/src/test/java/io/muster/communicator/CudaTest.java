package io.muster.communicator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.BootstrapException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Device memory and the CUDA IPC transport, on a machine with a GPU. */
@RequiresCuda
class CudaTest {
  @Test
  @DisplayName("device memory holds what is copied into it, and checks its bounds")
  void deviceMemoryRoundTrip() {
    byte[] data = CommunicatorTest.pattern(1 << 16, 4);
    try (DeviceMemory memory = Cuda.allocate(0, 1 << 16)) {
      assertEquals(1 << 16, memory.size());
      memory.copyFromHost(0, ByteBuffer.wrap(data));
      ByteBuffer back = ByteBuffer.allocateDirect(1 << 16);
      memory.copyToHost(0, back);
      back.flip();
      byte[] got = new byte[1 << 16];
      back.get(got);
      assertArrayEquals(data, got);
      assertThrows(
          IndexOutOfBoundsException.class,
          () -> memory.copyToHost(1, ByteBuffer.allocate(1 << 16)));
    }
  }

  @Test
  @DisplayName("a CUDA IPC write followed by a signal lands in the peer's device memory")
  void cudaIpcWriteThenSignal() throws Exception {
    int size = 1 << 20;
    byte[] data = CommunicatorTest.pattern(4096, 8);
    DeviceMemory[] memories = new DeviceMemory[2];
    try {
      Ranks.run(
          2,
          (b, c) -> {
            int peer = 1 - b.rank();
            DeviceMemory memory = Cuda.allocate(b.rank() % Cuda.deviceCount(), size);
            memories[b.rank()] = memory;
            RegisteredMemory local = c.registerMemory(memory, Transport.CUDA_IPC);
            c.sendMemory(local, peer, 0);
            CompletableFuture<RegisteredMemory> remote = c.recvMemory(peer, 0);
            Connection conn =
                c.connect(Endpoint.cudaIpc(memory.device()), peer, 0).get(30, TimeUnit.SECONDS);
            Semaphore s = c.buildSemaphore(conn, peer, 0).get(30, TimeUnit.SECONDS);
            if (b.rank() == 0) {
              memory.copyFromHost(100, ByteBuffer.wrap(data));
              conn.write(remote.get(30, TimeUnit.SECONDS), 5000, local, 100, data.length);
              assertThrows(
                  IndexOutOfBoundsException.class,
                  () -> conn.write(remote.join(), size - 10, local, 0, 11));
              s.signal();
            } else {
              s.wait(Duration.ofSeconds(20));
              ByteBuffer got = ByteBuffer.allocate(data.length);
              memory.copyToHost(5000, got);
              assertArrayEquals(data, got.array());
            }
          });
    } finally {
      for (DeviceMemory m : memories) {
        if (m != null) {
          m.close();
        }
      }
    }
  }

  @Test
  @DisplayName("host memory cannot travel over CUDA IPC, nor device memory over TCP")
  void transportsMatchMemoryKinds() throws Exception {
    Ranks.run(
        1,
        (b, c) -> {
          try (DeviceMemory memory = Cuda.allocate(0, 64)) {
            IllegalArgumentException e =
                assertThrows(
                    IllegalArgumentException.class, () -> c.registerMemory(memory, Transport.TCP));
            assertTrue(e.getMessage().contains("CUDA_IPC"), e.getMessage());
          }
          BootstrapException e =
              assertThrows(BootstrapException.class, () -> c.connect(Endpoint.cudaIpc(999), 0, 0));
          assertEquals(BootstrapException.Code.CONFIG, e.code());
        });
  }
}
