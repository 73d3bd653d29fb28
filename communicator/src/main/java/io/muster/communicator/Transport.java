package io.muster.communicator;

/** How a {@link Connection} moves bytes, and what a {@link RegisteredMemory} can be reached by. */
public enum Transport {
  /**
   * Host memory shared by processes of one machine: a file in {@code /dev/shm} that both map. A
   * write is a memory copy; a semaphore is an atomic counter in a mapped file.
   */
  SHARED_MEMORY,
  /**
   * TCP between machines: a write is sent and applied by the remote side into its registered
   * memory; a semaphore signal is a message that follows the writes before it.
   */
  TCP,
  /**
   * CUDA IPC between processes on one GPU node: device memory from {@code cuMemAlloc}, opened by
   * the peer with {@code cuIpcOpenMemHandle}, written with {@code cuMemcpyDtoD}. Needs the CUDA
   * driver ({@code libcuda.so.1}).
   */
  CUDA_IPC
}
