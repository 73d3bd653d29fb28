package io.muster.communicator.internal;

import io.muster.communicator.DeviceMemory;
import io.muster.communicator.RegisteredMemory;
import io.muster.communicator.Transport;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A registered memory of some communicator: local ones hold the memory itself (a host buffer or
 * device memory); remote ones only their owner's descriptor.
 */
public final class Memory implements RegisteredMemory {
  private final Context context;
  private final MemoryDescriptor descriptor;
  private final byte[] encoded;
  private final ByteBuffer host;
  private final DeviceMemory device;

  Memory(Context context, MemoryDescriptor descriptor, ByteBuffer host, DeviceMemory device) {
    this.context = context;
    this.descriptor = descriptor;
    this.encoded = descriptor.encode();
    this.host = host;
    this.device = device;
  }

  /** A handle to memory of another rank (or of this one, received back). */
  static Memory remote(Context context, MemoryDescriptor descriptor) {
    return new Memory(context, descriptor, null, null);
  }

  Context context() {
    return context;
  }

  public MemoryDescriptor descriptor() {
    return descriptor;
  }

  byte[] encoded() {
    return encoded;
  }

  /** The registered host region (position 0, capacity {@link #size()}), or null. */
  public ByteBuffer host() {
    return host;
  }

  /** The registered device memory, or null. */
  public DeviceMemory device() {
    return device;
  }

  @Override
  public int rank() {
    return descriptor.rank;
  }

  @Override
  public boolean isLocal() {
    return host != null || device != null;
  }

  @Override
  public long size() {
    return descriptor.size;
  }

  @Override
  public Set<Transport> transports() {
    return descriptor.transports;
  }

  @Override
  public String toString() {
    return "RegisteredMemory["
        + (isLocal() ? "local" : "remote")
        + ", rank "
        + rank()
        + ", "
        + size()
        + " bytes "
        + (device != null || (!isLocal() && descriptor.ipcHandle != null)
            ? "of device memory "
            : "")
        + "over "
        + transports()
        + "]";
  }
}
