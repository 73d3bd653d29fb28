package io.muster.communicator;

import io.muster.Bootstrap;
import io.muster.communicator.internal.Context;
import io.muster.communicator.internal.shm.SharedFiles;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Builds connections, registered memory and semaphores between the ranks of a {@link Bootstrap}, in
 * the MSCCL++ model: each rank registers memory, sends its handle to the ranks that will write into
 * it, connects to its peers and builds semaphores on the connections; then it moves data with
 * {@link Connection#write} and synchronises with {@link Semaphore#signal()} and {@link
 * Semaphore#wait(Duration)}.
 *
 * <p>Setup calls send a descriptor to the peer at once over the bootstrap, on the tag the caller
 * names, and return a future that the peer's matching call completes. Both ranks must make their
 * calls on a (peer, tag) in the same order, as the bootstrap delivers them in order; many setups
 * may be in flight at once, on any tags. Tags used here carry only the communicator's descriptors:
 * do not receive on them directly.
 *
 * <pre>{@code
 * try (Bootstrap group = Bootstrap.open("env:");
 *     Communicator comm = new Communicator(group)) {
 *   int peer = 1 - group.rank();
 *   ByteBuffer buffer = comm.allocateHostMemory(1 << 20);
 *   RegisteredMemory local = comm.registerMemory(buffer, Transport.SHARED_MEMORY);
 *   comm.sendMemory(local, peer, 0);
 *   CompletableFuture<RegisteredMemory> remote = comm.recvMemory(peer, 0);
 *   CompletableFuture<Connection> connection = comm.connect(Endpoint.sharedMemory(), peer, 0);
 *   Semaphore semaphore = comm.buildSemaphore(connection.join(), peer, 0).join();
 *   connection.join().write(remote.join(), 0, local, 0, 4096);
 *   semaphore.signal();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing it fails pending futures, closes sockets, stops its threads and deletes
 * its files in {@code /dev/shm}; it does not close the bootstrap.
 */
public final class Communicator implements AutoCloseable {
  /** The timeout of setup calls when none is given: 5 minutes, as for the bootstrap. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private final Bootstrap bootstrap;
  private final Context context;

  /** A communicator over {@code bootstrap}, with setup calls bounded by 5 minutes. */
  public Communicator(Bootstrap bootstrap) {
    this(bootstrap, DEFAULT_TIMEOUT);
  }

  /**
   * A communicator over {@code bootstrap}; each setup future fails with {@code TIMEOUT} if its peer
   * has not answered within {@code timeout}.
   */
  public Communicator(Bootstrap bootstrap, Duration timeout) {
    this.bootstrap = bootstrap;
    this.context = new Context(bootstrap, timeout);
  }

  /** The bootstrap the descriptors travel over. */
  public Bootstrap bootstrap() {
    return bootstrap;
  }

  /** This rank. */
  public int rank() {
    return context.rank();
  }

  /** The number of ranks. */
  public int size() {
    return context.size();
  }

  /**
   * Allocates zeroed host memory that processes of this machine can map: a file in {@code
   * /dev/shm}, deleted when the communicator closes. Register it with {@link
   * Transport#SHARED_MEMORY} (and, if you like, {@link Transport#TCP}).
   */
  public ByteBuffer allocateHostMemory(int bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("host memory size must be positive, got " + bytes);
    }
    context.checkOpen();
    return context.files().create("memory", bytes);
  }

  /**
   * Registers the remaining bytes of {@code buffer} (its position to its limit, as they are now)
   * for peers to write into over {@code transports}. {@link Transport#SHARED_MEMORY} needs a buffer
   * from {@link #allocateHostMemory}; {@link Transport#TCP} takes any writable buffer.
   */
  public RegisteredMemory registerMemory(ByteBuffer buffer, Transport... transports) {
    return context.registerHost(buffer, transports);
  }

  /** Registers device memory from {@link Cuda#allocate} for {@link Transport#CUDA_IPC}. */
  public RegisteredMemory registerMemory(DeviceMemory memory, Transport... transports) {
    return context.registerDevice(memory, transports);
  }

  /**
   * Sends a handle to {@code memory} to {@code remoteRank}, whose matching {@link #recvMemory} gets
   * it. Returns without waiting for the peer.
   */
  public void sendMemory(RegisteredMemory memory, int remoteRank, int tag) {
    context.sendMemory(memory, remoteRank, tag);
  }

  /** The next memory handle {@code remoteRank} sends on {@code tag}. */
  public CompletableFuture<RegisteredMemory> recvMemory(int remoteRank, int tag) {
    return context.recvMemory(remoteRank, tag);
  }

  /**
   * Connects to {@code remoteRank}, which makes the matching call with the same transport. The
   * future completes once both sides are linked.
   *
   * @throws io.muster.BootstrapException {@code CONFIG} at once if the transport cannot work here
   *     (CUDA without a GPU driver)
   */
  public CompletableFuture<Connection> connect(Endpoint endpoint, int remoteRank, int tag) {
    return context.connect(endpoint, remoteRank, tag);
  }

  /**
   * Builds a semaphore on {@code connection}, whose peer ({@code remoteRank}) makes the matching
   * call on its end of it.
   */
  public CompletableFuture<Semaphore> buildSemaphore(
      Connection connection, int remoteRank, int tag) {
    return context.buildSemaphore(connection, remoteRank, tag);
  }

  /** The rank at the other end of {@code connection}. */
  public int remoteRankOf(Connection connection) {
    return context.remoteRankOf(connection);
  }

  /** The tag {@code connection} was set up on. */
  public int tagOf(Connection connection) {
    return context.tagOf(connection);
  }

  /** Where this communicator's shared memory files live ({@code /dev/shm} on Linux). */
  public static java.nio.file.Path sharedMemoryDirectory() {
    return SharedFiles.DIRECTORY;
  }

  /**
   * Releases everything: pending futures fail with {@code CLOSED}, connections close (their peers
   * see {@code PEER_LOST}), threads stop and files in {@code /dev/shm} are deleted. Idempotent; the
   * bootstrap stays open.
   */
  @Override
  public void close() {
    context.close();
  }

  @Override
  public String toString() {
    return "Communicator[rank " + rank() + " of " + size() + "]";
  }
}
