package io.muster.communicator;

import java.nio.ByteBuffer;

/**
 * GPU memory from {@code cuMemAlloc}, made with {@link Cuda#allocate(int, long)}; register it with
 * {@link Transport#CUDA_IPC} to let a process of this node write into it. Close it to free it,
 * after the communicators using it are closed.
 */
public interface DeviceMemory extends AutoCloseable {
  /** The CUDA device ordinal it lives on. */
  int device();

  /** Its device address ({@code CUdeviceptr}). */
  long address();

  /** Its length in bytes. */
  long size();

  /** Copies {@code src}'s remaining bytes into this memory at {@code offset}. */
  void copyFromHost(long offset, ByteBuffer src);

  /** Fills {@code dst}'s remaining bytes from this memory at {@code offset}. */
  void copyToHost(long offset, ByteBuffer dst);

  /** Frees the memory ({@code cuMemFree}); idempotent. */
  @Override
  void close();
}
