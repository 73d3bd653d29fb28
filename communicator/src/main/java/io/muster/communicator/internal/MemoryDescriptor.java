package io.muster.communicator.internal;

import io.muster.communicator.Transport;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a peer needs to write into a registered memory: whose it is, how large, and for each
 * transport where to find it (the {@code /dev/shm} file, the CUDA IPC handle, the id a TCP write
 * names).
 */
public final class MemoryDescriptor {
  /** The length of a {@code CUipcMemHandle}. */
  public static final int IPC_HANDLE_BYTES = 64;

  final int rank;
  final String host;
  final long pid;
  final int id;
  final long size;
  final Set<Transport> transports;
  final String shmPath;
  final long shmOffset;
  final int cudaDevice;
  final long cudaAddress;
  final byte[] ipcHandle;

  MemoryDescriptor(
      int rank,
      String host,
      long pid,
      int id,
      long size,
      Set<Transport> transports,
      String shmPath,
      long shmOffset,
      int cudaDevice,
      long cudaAddress,
      byte[] ipcHandle) {
    this.rank = rank;
    this.host = host;
    this.pid = pid;
    this.id = id;
    this.size = size;
    this.transports = Collections.unmodifiableSet(EnumSet.copyOf(transports));
    this.shmPath = shmPath;
    this.shmOffset = shmOffset;
    this.cudaDevice = cudaDevice;
    this.cudaAddress = cudaAddress;
    this.ipcHandle = ipcHandle;
  }

  public int rank() {
    return rank;
  }

  public String host() {
    return host;
  }

  public long pid() {
    return pid;
  }

  public int id() {
    return id;
  }

  public long size() {
    return size;
  }

  public Set<Transport> transports() {
    return transports;
  }

  public String shmPath() {
    return shmPath;
  }

  public long shmOffset() {
    return shmOffset;
  }

  public int cudaDevice() {
    return cudaDevice;
  }

  public long cudaAddress() {
    return cudaAddress;
  }

  public byte[] ipcHandle() {
    return ipcHandle;
  }

  byte[] encode() {
    return Wire.encode(Wire.Kind.MEMORY, this::write);
  }

  private void write(DataOutputStream out) throws IOException {
    out.writeInt(rank);
    out.writeUTF(host);
    out.writeLong(pid);
    out.writeInt(id);
    out.writeLong(size);
    int mask = 0;
    for (Transport t : transports) {
      mask |= 1 << t.ordinal();
    }
    out.writeInt(mask);
    if (transports.contains(Transport.SHARED_MEMORY)) {
      out.writeUTF(shmPath);
      out.writeLong(shmOffset);
    }
    if (transports.contains(Transport.CUDA_IPC)) {
      out.writeInt(cudaDevice);
      out.writeLong(cudaAddress);
      out.write(ipcHandle);
    }
  }

  public static MemoryDescriptor decode(byte[] message, int peer, int tag) {
    return Wire.decode(message, Wire.Kind.MEMORY, peer, tag, MemoryDescriptor::read);
  }

  private static MemoryDescriptor read(DataInputStream in) throws IOException {
    int rank = in.readInt();
    String host = in.readUTF();
    long pid = in.readLong();
    int id = in.readInt();
    long size = in.readLong();
    int mask = in.readInt();
    if (size < 0 || mask == 0 || (mask >>> Transport.values().length) != 0) {
      throw new IOException("size " + size + ", transport mask " + mask);
    }
    Set<Transport> transports = EnumSet.noneOf(Transport.class);
    for (Transport t : Transport.values()) {
      if ((mask & (1 << t.ordinal())) != 0) {
        transports.add(t);
      }
    }
    String shmPath = null;
    long shmOffset = 0;
    if (transports.contains(Transport.SHARED_MEMORY)) {
      shmPath = in.readUTF();
      shmOffset = in.readLong();
    }
    int cudaDevice = -1;
    long cudaAddress = 0;
    byte[] ipcHandle = null;
    if (transports.contains(Transport.CUDA_IPC)) {
      cudaDevice = in.readInt();
      cudaAddress = in.readLong();
      ipcHandle = new byte[IPC_HANDLE_BYTES];
      in.readFully(ipcHandle);
    }
    return new MemoryDescriptor(
        rank,
        host,
        pid,
        id,
        size,
        transports,
        shmPath,
        shmOffset,
        cudaDevice,
        cudaAddress,
        ipcHandle);
  }
}
