package io.muster.communicator.internal.cuda;

import io.muster.communicator.internal.Host;
import io.muster.communicator.internal.MemoryDescriptor;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peers' device allocations this communicator opened with {@code cuIpcOpenMemHandle}, each
 * once, closed with the communicator. An allocation of this very process is used as it is (CUDA
 * refuses to open a handle in the process that made it).
 */
public final class IpcMappings {
  private static final Logger log = LoggerFactory.getLogger(IpcMappings.class);

  private final CudaDriver driver;
  private final Map<Key, Long> opened = new ConcurrentHashMap<>();

  private static final class Key {
    final byte[] handle;
    final int device;

    Key(byte[] handle, int device) {
      this.handle = handle;
      this.device = device;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key
          && ((Key) o).device == device
          && Arrays.equals(((Key) o).handle, handle);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(handle) * 31 + device;
    }
  }

  public IpcMappings(CudaDriver driver) {
    this.driver = driver;
  }

  /** The address, in this process on {@code device}, of the peer's allocation. */
  public long address(MemoryDescriptor d, int device) {
    if (d.pid() == Host.pid() && d.host().equals(Host.id())) {
      return d.cudaAddress();
    }
    return opened.computeIfAbsent(
        new Key(d.ipcHandle(), device), k -> driver.openIpcHandle(device, k.handle));
  }

  public void close() {
    for (Map.Entry<Key, Long> e : opened.entrySet()) {
      try {
        driver.closeIpcHandle(e.getKey().device, e.getValue());
      } catch (RuntimeException ex) {
        log.warn("cuIpcCloseMemHandle failed: {}", ex.getMessage());
      }
    }
    opened.clear();
  }
}
