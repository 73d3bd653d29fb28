package io.muster.communicator;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** The host transports the tests run over, and their loopback endpoints and memory. */
final class HostTransports {
  private HostTransports() {}

  static Endpoint endpoint(Transport t) {
    switch (t) {
      case SHARED_MEMORY:
        return Endpoint.sharedMemory();
      case TCP:
        return Endpoint.tcp(InetAddress.getLoopbackAddress());
      default:
        throw new IllegalArgumentException(t + " is no host transport");
    }
  }

  /** Memory for {@code t}: a /dev/shm file for shared memory, a plain direct buffer for TCP. */
  static ByteBuffer memory(Communicator c, Transport t, int bytes) {
    return t == Transport.SHARED_MEMORY
        ? c.allocateHostMemory(bytes)
        : ByteBuffer.allocateDirect(bytes);
  }
}
