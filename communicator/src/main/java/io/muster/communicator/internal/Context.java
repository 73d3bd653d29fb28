package io.muster.communicator.internal;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.communicator.Connection;
import io.muster.communicator.DeviceMemory;
import io.muster.communicator.Endpoint;
import io.muster.communicator.RegisteredMemory;
import io.muster.communicator.Semaphore;
import io.muster.communicator.Transport;
import io.muster.communicator.internal.cuda.CudaDriver;
import io.muster.communicator.internal.cuda.CudaDrivers;
import io.muster.communicator.internal.cuda.CudaTransport;
import io.muster.communicator.internal.cuda.DeviceAllocation;
import io.muster.communicator.internal.cuda.IpcMappings;
import io.muster.communicator.internal.shm.ControlBlock;
import io.muster.communicator.internal.shm.SharedFiles;
import io.muster.communicator.internal.shm.ShmTransport;
import io.muster.communicator.internal.tcp.TcpTransport;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one communicator owns (its registered memory, connections, files, setup threads) and
 * the protocol of its calls: what each sends over the bootstrap and what it does with the answer.
 */
public final class Context {
  private static final Logger log = LoggerFactory.getLogger(Context.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Bootstrap bootstrap;
  private final int rank;
  private final Duration timeout;
  private final SharedFiles files;
  private final Setup setup;
  private final ConcurrentHashMap<Integer, Memory> memories = new ConcurrentHashMap<>();
  private final AtomicInteger nextMemoryId = new AtomicInteger();
  private final List<AbstractConnection> connections = new ArrayList<>();
  private ControlBlock control;
  private IpcMappings ipc;
  private volatile BootstrapException closed;

  public Context(Bootstrap bootstrap, Duration timeout) {
    this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the communicator's timeout must be positive: " + timeout);
    }
    this.rank = bootstrap.rank();
    this.files = new SharedFiles(rank);
    this.setup = new Setup(bootstrap, timeout);
  }

  public int rank() {
    return rank;
  }

  public int size() {
    return bootstrap.size();
  }

  public Duration timeout() {
    return timeout;
  }

  public SharedFiles files() {
    return files;
  }

  /** This communicator's control block, made on first use. */
  public synchronized ControlBlock control() {
    checkOpen();
    if (control == null) {
      control = ControlBlock.create(files);
    }
    return control;
  }

  /** The CUDA IPC handles this communicator opened, made on first use. */
  public synchronized IpcMappings ipc(CudaDriver driver) {
    checkOpen();
    if (ipc == null) {
      ipc = new IpcMappings(driver);
    }
    return ipc;
  }

  public static long randomLong() {
    return RANDOM.nextLong();
  }

  public static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  // ---- registered memory

  /** Registers a host buffer's remaining bytes. */
  public Memory registerHost(ByteBuffer buffer, Transport... transports) {
    Objects.requireNonNull(buffer, "buffer");
    Set<Transport> set = transports(transports);
    checkOpen();
    if (set.contains(Transport.CUDA_IPC)) {
      throw new IllegalArgumentException(
          "CUDA_IPC carries device memory: register a DeviceMemory from Cuda.allocate(device,"
              + " bytes), not a ByteBuffer");
    }
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException("a read-only buffer cannot be written into by peers");
    }
    String shmPath = null;
    if (set.contains(Transport.SHARED_MEMORY)) {
      shmPath = files.pathOf(buffer);
      if (shmPath == null) {
        throw new IllegalArgumentException(
            "SHARED_MEMORY needs memory another process can map: register the buffer returned by"
                + " allocateHostMemory(bytes) itself (not a copy, duplicate or slice of it; set its"
                + " position and limit to register a part)");
      }
    }
    int id = nextMemoryId.incrementAndGet();
    MemoryDescriptor d =
        new MemoryDescriptor(
            rank,
            Host.id(),
            Host.pid(),
            id,
            buffer.remaining(),
            set,
            shmPath,
            buffer.position(),
            -1,
            0,
            null);
    return remember(new Memory(this, d, buffer.slice(), null));
  }

  /** Registers device memory for CUDA IPC. */
  public Memory registerDevice(DeviceMemory memory, Transport... transports) {
    Objects.requireNonNull(memory, "memory");
    Set<Transport> set = transports(transports);
    checkOpen();
    if (!set.equals(EnumSet.of(Transport.CUDA_IPC))) {
      throw new IllegalArgumentException(
          "device memory moves over CUDA_IPC only (asked for "
              + set
              + "); copy it to host memory for SHARED_MEMORY or TCP");
    }
    if (!(memory instanceof DeviceAllocation)) {
      throw new IllegalArgumentException(
          "register device memory from Cuda.allocate(device, bytes)");
    }
    DeviceAllocation a = (DeviceAllocation) memory;
    byte[] handle = a.ipcHandle();
    int id = nextMemoryId.incrementAndGet();
    MemoryDescriptor d =
        new MemoryDescriptor(
            rank,
            Host.id(),
            Host.pid(),
            id,
            a.size(),
            set,
            null,
            0,
            a.device(),
            a.address(),
            handle);
    return remember(new Memory(this, d, null, a));
  }

  private Memory remember(Memory m) {
    memories.put(m.descriptor().id(), m);
    return m;
  }

  private static Set<Transport> transports(Transport[] transports) {
    Objects.requireNonNull(transports, "transports");
    if (transports.length == 0) {
      throw new IllegalArgumentException(
          "name at least one transport the memory can be written by (SHARED_MEMORY, TCP,"
              + " CUDA_IPC)");
    }
    Set<Transport> set = EnumSet.noneOf(Transport.class);
    for (Transport t : transports) {
      set.add(Objects.requireNonNull(t, "transport"));
    }
    return set;
  }

  /** The local memory a TCP peer names by id, or null. */
  public Memory memory(int id) {
    return memories.get(id);
  }

  /** {@code m} as this communicator's own memory handle. */
  Memory own(RegisteredMemory m, String what) {
    Objects.requireNonNull(m, what);
    if (!(m instanceof Memory) || ((Memory) m).context() != this) {
      throw new IllegalArgumentException(
          what + " " + m + " belongs to another communicator; use handles of this one");
    }
    return (Memory) m;
  }

  public void sendMemory(RegisteredMemory memory, int remoteRank, int tag) {
    Memory m = own(memory, "memory");
    checkPeer(remoteRank, tag, "sendMemory");
    checkOpen();
    bootstrap.send(remoteRank, tag, m.encoded());
  }

  public CompletableFuture<RegisteredMemory> recvMemory(int remoteRank, int tag) {
    checkPeer(remoteRank, tag, "recvMemory");
    checkOpen();
    String what = "recvMemory from rank " + remoteRank + " on tag " + tag + " on rank " + rank;
    return setup.then(
        setup.receive(remoteRank, tag, what),
        bytes -> {
          MemoryDescriptor d = MemoryDescriptor.decode(bytes, remoteRank, tag);
          if (d.rank() == rank && d.pid() == Host.pid() && d.host().equals(Host.id())) {
            Memory mine = memories.get(d.id());
            if (mine != null) {
              return mine; // our own memory, sent back to us
            }
          }
          return Memory.remote(this, d);
        });
  }

  // ---- connections

  public CompletableFuture<Connection> connect(Endpoint endpoint, int remoteRank, int tag) {
    Objects.requireNonNull(endpoint, "endpoint");
    checkPeer(remoteRank, tag, "connect");
    if (remoteRank == rank) {
      throw new IllegalArgumentException(
          "rank " + rank + " cannot connect to itself: write into its own memory directly");
    }
    checkOpen();
    PendingConnection pending = prepare(endpoint, remoteRank, tag);
    try {
      bootstrap.send(remoteRank, tag, pending.local().encode());
    } catch (RuntimeException e) {
      pending.abandon();
      throw e;
    }
    String what = "connect from rank " + rank + " to rank " + remoteRank + " on tag " + tag;
    CompletableFuture<Connection> result =
        setup.then(
            setup.receive(remoteRank, tag, what),
            bytes -> {
              EndpointDescriptor remote = EndpointDescriptor.decode(bytes, remoteRank, tag);
              checkPair(pending.local(), remote, remoteRank, tag);
              return adopt(pending.complete(remote));
            });
    result.whenComplete(
        (c, e) -> {
          if (e != null) {
            pending.abandon();
          }
        });
    return result;
  }

  private PendingConnection prepare(Endpoint endpoint, int remoteRank, int tag) {
    long nonce = randomLong();
    switch (endpoint.transport()) {
      case SHARED_MEMORY:
        return ShmTransport.prepare(this, remoteRank, tag, nonce);
      case TCP:
        return TcpTransport.prepare(this, endpoint, remoteRank, tag, nonce);
      case CUDA_IPC:
        return CudaTransport.prepare(this, CudaDrivers.require(), endpoint, remoteRank, tag, nonce);
      default:
        throw new IllegalArgumentException("unknown transport " + endpoint.transport());
    }
  }

  private void checkPair(
      EndpointDescriptor local, EndpointDescriptor remote, int remoteRank, int tag) {
    if (remote.rank() != remoteRank) {
      throw new BootstrapException(
          Code.PROTOCOL,
          "rank " + remoteRank + " sent an endpoint that claims rank " + remote.rank(),
          List.of(remoteRank));
    }
    if (remote.transport() != local.transport()) {
      throw new BootstrapException(
          Code.CONFIG,
          "connect on tag "
              + tag
              + ": rank "
              + rank
              + " asked for "
              + local.transport()
              + " but rank "
              + remoteRank
              + " for "
              + remote.transport()
              + "; both ends of a connection must use the same transport",
          List.of(remoteRank));
    }
    if (local.transport() != Transport.TCP && !remote.host().equals(local.host())) {
      throw new BootstrapException(
          Code.CONFIG,
          local.transport()
              + " connects processes of one machine, but rank "
              + rank
              + " runs on "
              + local.host()
              + " and rank "
              + remoteRank
              + " on "
              + remote.host()
              + ": use TCP between machines",
          List.of(remoteRank));
    }
  }

  /** The id both ends compute for a connection: the two nonces in rank order. */
  public static long pairId(EndpointDescriptor a, EndpointDescriptor b) {
    EndpointDescriptor low = a.rank() < b.rank() ? a : b;
    EndpointDescriptor high = low == a ? b : a;
    return low.nonce() * 0x9E3779B97F4A7C15L ^ high.nonce();
  }

  /** Keeps a finished connection for close, or closes it at once if the communicator closed. */
  private AbstractConnection adopt(AbstractConnection c) {
    synchronized (connections) {
      if (closed == null) {
        connections.add(c);
        c.start();
        return c;
      }
    }
    c.close();
    throw closed;
  }

  AbstractConnection own(Connection c) {
    Objects.requireNonNull(c, "connection");
    if (!(c instanceof AbstractConnection) || ((AbstractConnection) c).context() != this) {
      throw new IllegalArgumentException(c + " belongs to another communicator");
    }
    return (AbstractConnection) c;
  }

  public int remoteRankOf(Connection c) {
    return own(c).remoteRank();
  }

  public int tagOf(Connection c) {
    return own(c).tag();
  }

  public CompletableFuture<Semaphore> buildSemaphore(
      Connection connection, int remoteRank, int tag) {
    AbstractConnection c = own(connection);
    checkPeer(remoteRank, tag, "buildSemaphore");
    if (remoteRank != c.remoteRank()) {
      throw new IllegalArgumentException(
          "buildSemaphore with rank " + remoteRank + " on " + c.describe());
    }
    checkOpen();
    BootstrapException f = c.failure();
    if (f != null) {
      throw c.failed(f, "buildSemaphore");
    }
    AbstractConnection.SemaphoreSetup s = c.semaphore();
    bootstrap.send(remoteRank, tag, new SemaphoreDescriptor(c.pairId(), s.localIndex()).encode());
    String what = "buildSemaphore on " + c.describe() + ", tag " + tag;
    return setup.then(
        setup.receive(remoteRank, tag, what),
        bytes -> {
          SemaphoreDescriptor d = SemaphoreDescriptor.decode(bytes, remoteRank, tag);
          if (d.pairId != c.pairId()) {
            throw new BootstrapException(
                Code.PROTOCOL,
                what
                    + ": rank "
                    + remoteRank
                    + " built its semaphore on another connection; call buildSemaphore for"
                    + " the connections between two ranks in the same order on both",
                List.of(remoteRank));
          }
          return s.complete(d.index);
        });
  }

  // ---- state

  private void checkPeer(int remoteRank, int tag, String operation) {
    int size = bootstrap.size();
    if (remoteRank < 0 || remoteRank >= size) {
      throw new IllegalArgumentException(
          operation + ": rank " + remoteRank + " is outside 0.." + (size - 1));
    }
    if (tag < 0) {
      throw new IllegalArgumentException(
          operation + ": tag " + tag + " is negative; tags are 0.." + Integer.MAX_VALUE);
    }
  }

  /** Throws the {@code CLOSED} error once the communicator is closed. */
  public void checkOpen() {
    BootstrapException c = closed;
    if (c != null) {
      throw new BootstrapException(c.code(), c.getMessage(), c.ranks());
    }
  }

  /** The {@code CLOSED} error once closed, else null. */
  public BootstrapException closedError() {
    return closed;
  }

  /** Setup threads and the thread factory for transports' own threads. */
  public Setup setup() {
    return setup;
  }

  /** Closes everything; idempotent. */
  public void close() {
    BootstrapException cause =
        new BootstrapException(
            Code.CLOSED,
            "the communicator of rank " + rank + " of " + bootstrap.size() + " is closed");
    List<AbstractConnection> all;
    synchronized (connections) {
      if (closed != null) {
        return;
      }
      closed = cause;
      all = List.copyOf(connections);
      connections.clear();
    }
    synchronized (this) {
      if (control != null) {
        control.markClosed(); // same-machine peers see this in their next look
      }
    }
    setup.close(cause);
    for (AbstractConnection c : all) {
      try {
        c.close();
      } catch (RuntimeException e) {
        log.warn("closing {}: {}", c.describe(), e.toString());
      }
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (AbstractConnection c : all) {
      if (!c.join(Math.max(0, end - System.nanoTime()))) {
        log.warn("{}: its thread did not stop within 5s of close", c.describe());
      }
    }
    synchronized (this) {
      if (ipc != null) {
        ipc.close();
      }
    }
    files.close();
    memories.clear();
  }
}
