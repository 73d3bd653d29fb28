package io.muster.communicator.internal.cuda;

import java.nio.ByteBuffer;

/**
 * The few CUDA driver calls the communicator makes, behind an interface so nothing else loads JNA.
 * Each call makes the device's primary context current on the calling thread first. Failures are
 * {@link io.muster.BootstrapException}s naming the CUDA error.
 */
public interface CudaDriver {
  int deviceCount();

  /** {@code cuMemAlloc}. */
  long allocate(int device, long bytes);

  /** {@code cuMemFree}. */
  void free(int device, long address);

  /** {@code cuMemcpyHtoD} of {@code src}'s remaining bytes (a direct buffer). */
  void copyHostToDevice(int device, long dst, ByteBuffer src);

  /** {@code cuMemcpyDtoH} into {@code dst}'s remaining bytes (a direct buffer). */
  void copyDeviceToHost(int device, ByteBuffer dst, long src);

  /** {@code cuMemcpyDtoD}. */
  void copyDeviceToDevice(int device, long dst, long src, long bytes);

  /** {@code cuCtxSynchronize}: waits for every copy on the device. */
  void synchronize(int device);

  /** {@code cuIpcGetMemHandle}: the 64-byte handle another process opens. */
  byte[] ipcHandle(int device, long address);

  /** {@code cuIpcOpenMemHandle}: maps another process's allocation here. */
  long openIpcHandle(int device, byte[] handle);

  /** {@code cuIpcCloseMemHandle}. */
  void closeIpcHandle(int device, long address);
}
