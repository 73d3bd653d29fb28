/**
 * Connections, registered memory and semaphores between the ranks of a Muster bootstrap: the
 * MSCCL++ programming model over shared memory, TCP and CUDA IPC.
 */
module io.muster.communicator {
  requires transitive io.muster.api;
  requires org.slf4j;
  requires com.sun.jna;

  exports io.muster.communicator;

  // JNA's direct mapping registers the native methods of the CUDA binding reflectively.
  opens io.muster.communicator.internal.cuda to
      com.sun.jna;
}
