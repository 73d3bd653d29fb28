package io.muster.communicator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * This rank's side of a connection to be made: the transport, and where it lives (the address a TCP
 * peer reaches, the GPU of a CUDA IPC connection). Both ranks of a {@link
 * Communicator#connect(Endpoint, int, int) connect} must name the same transport.
 */
public final class Endpoint {
  private final Transport transport;
  private final InetAddress address;
  private final int device;

  private Endpoint(Transport transport, InetAddress address, int device) {
    this.transport = transport;
    this.address = address;
    this.device = device;
  }

  /** Shared host memory with a process of this machine. */
  public static Endpoint sharedMemory() {
    return new Endpoint(Transport.SHARED_MEMORY, null, -1);
  }

  /**
   * TCP, reachable at this host's own address ({@link InetAddress#getLocalHost()}). On a machine
   * with several interfaces, or where the host name resolves to a loopback address, name the
   * interface with {@link #tcp(InetAddress)}.
   */
  public static Endpoint tcp() {
    try {
      return tcp(InetAddress.getLocalHost());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(
          "this host's name does not resolve ("
              + e.getMessage()
              + "); pass the address to listen on with Endpoint.tcp(address)",
          e);
    }
  }

  /**
   * TCP, listening on {@code address} (a wildcard address is not allowed: the peer needs an address
   * it can reach).
   */
  public static Endpoint tcp(InetAddress address) {
    Objects.requireNonNull(address, "address");
    if (address.isAnyLocalAddress()) {
      throw new IllegalArgumentException(
          "Endpoint.tcp needs an address the peer can reach, not the wildcard " + address);
    }
    return new Endpoint(Transport.TCP, address, -1);
  }

  /** CUDA IPC on GPU {@code device} (a CUDA device ordinal) of this node. */
  public static Endpoint cudaIpc(int device) {
    if (device < 0) {
      throw new IllegalArgumentException("CUDA device ordinal must be 0 or more, got " + device);
    }
    return new Endpoint(Transport.CUDA_IPC, null, device);
  }

  /** The transport of the connection to be made. */
  public Transport transport() {
    return transport;
  }

  /** The address a TCP endpoint listens on; {@code null} for other transports. */
  public InetAddress address() {
    return address;
  }

  /** The GPU of a CUDA IPC endpoint; {@code -1} for other transports. */
  public int device() {
    return device;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Endpoint
        && ((Endpoint) o).transport == transport
        && Objects.equals(((Endpoint) o).address, address)
        && ((Endpoint) o).device == device;
  }

  @Override
  public int hashCode() {
    return Objects.hash(transport, address, device);
  }

  @Override
  public String toString() {
    switch (transport) {
      case TCP:
        return "Endpoint[TCP " + address.getHostAddress() + "]";
      case CUDA_IPC:
        return "Endpoint[CUDA_IPC device " + device + "]";
      default:
        return "Endpoint[" + transport + "]";
    }
  }
}
