package io.muster.communicator.internal;

import io.muster.communicator.Transport;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * One side of a connection being made, as the other side receives it: the transport, the machine
 * and process, a random nonce (the two nonces name the connection), and per transport the control
 * block to map or the TCP listener to dial.
 */
public final class EndpointDescriptor {
  public static final int TOKEN_BYTES = 16;

  final int rank;
  final Transport transport;
  final String host;
  final long pid;
  final long nonce;
  final String controlPath;
  final int device;
  final String tcpHost;
  final int tcpPort;
  final byte[] token;

  public EndpointDescriptor(
      int rank,
      Transport transport,
      String host,
      long pid,
      long nonce,
      String controlPath,
      int device,
      String tcpHost,
      int tcpPort,
      byte[] token) {
    this.rank = rank;
    this.transport = transport;
    this.host = host;
    this.pid = pid;
    this.nonce = nonce;
    this.controlPath = controlPath;
    this.device = device;
    this.tcpHost = tcpHost;
    this.tcpPort = tcpPort;
    this.token = token;
  }

  public int rank() {
    return rank;
  }

  public Transport transport() {
    return transport;
  }

  public String host() {
    return host;
  }

  public long pid() {
    return pid;
  }

  public long nonce() {
    return nonce;
  }

  public String controlPath() {
    return controlPath;
  }

  public int device() {
    return device;
  }

  /** The address of the TCP listener to dial, or null when this side dials. */
  public String tcpHost() {
    return tcpHost;
  }

  public int tcpPort() {
    return tcpPort;
  }

  public byte[] token() {
    return token;
  }

  public byte[] encode() {
    return Wire.encode(Wire.Kind.ENDPOINT, this::write);
  }

  private void write(DataOutputStream out) throws IOException {
    out.writeInt(rank);
    out.writeByte(transport.ordinal());
    out.writeUTF(host);
    out.writeLong(pid);
    out.writeLong(nonce);
    switch (transport) {
      case SHARED_MEMORY:
        out.writeUTF(controlPath);
        break;
      case CUDA_IPC:
        out.writeUTF(controlPath);
        out.writeInt(device);
        break;
      case TCP:
        out.writeBoolean(tcpHost != null);
        if (tcpHost != null) {
          out.writeUTF(tcpHost);
          out.writeShort(tcpPort);
          out.write(token);
        }
        break;
    }
  }

  public static EndpointDescriptor decode(byte[] message, int peer, int tag) {
    return Wire.decode(message, Wire.Kind.ENDPOINT, peer, tag, EndpointDescriptor::read);
  }

  private static EndpointDescriptor read(DataInputStream in) throws IOException {
    int rank = in.readInt();
    int t = in.readUnsignedByte();
    if (t >= Transport.values().length) {
      throw new IOException("unknown transport " + t);
    }
    Transport transport = Transport.values()[t];
    String host = in.readUTF();
    long pid = in.readLong();
    long nonce = in.readLong();
    String controlPath = null;
    int device = -1;
    String tcpHost = null;
    int tcpPort = 0;
    byte[] token = null;
    switch (transport) {
      case SHARED_MEMORY:
        controlPath = in.readUTF();
        break;
      case CUDA_IPC:
        controlPath = in.readUTF();
        device = in.readInt();
        break;
      case TCP:
        if (in.readBoolean()) {
          tcpHost = in.readUTF();
          tcpPort = in.readUnsignedShort();
          token = new byte[TOKEN_BYTES];
          in.readFully(token);
        }
        break;
    }
    return new EndpointDescriptor(
        rank, transport, host, pid, nonce, controlPath, device, tcpHost, tcpPort, token);
  }
}
