package io.muster.communicator;

import io.muster.communicator.internal.cuda.CudaDrivers;
import io.muster.communicator.internal.cuda.DeviceAllocation;
import java.util.Optional;

/**
 * The CUDA driver as the {@link Transport#CUDA_IPC} transport uses it. The driver library ({@code
 * libcuda.so.1}) is loaded the first time one of these methods runs, never before; on a machine
 * without it every method that needs it fails with a {@link io.muster.BootstrapException} of code
 * {@code CONFIG} saying so.
 */
public final class Cuda {
  private Cuda() {}

  /** Whether the CUDA driver loaded and sees at least one GPU. */
  public static boolean isAvailable() {
    return CudaDrivers.unavailableReason().isEmpty();
  }

  /** Why CUDA cannot be used here, or empty when it can. */
  public static Optional<String> unavailableReason() {
    return CudaDrivers.unavailableReason();
  }

  /** The number of GPUs the driver sees. */
  public static int deviceCount() {
    return CudaDrivers.require().deviceCount();
  }

  /** Allocates {@code bytes} of memory on GPU {@code device} with {@code cuMemAlloc}. */
  public static DeviceMemory allocate(int device, long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("device memory size must be positive, got " + bytes);
    }
    return DeviceAllocation.allocate(CudaDrivers.require(), device, bytes);
  }
}
