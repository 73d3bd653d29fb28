package io.muster.communicator.examples;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.communicator.Communicator;
import io.muster.communicator.Connection;
import io.muster.communicator.Cuda;
import io.muster.communicator.DeviceMemory;
import io.muster.communicator.Endpoint;
import io.muster.communicator.RegisteredMemory;
import io.muster.communicator.Semaphore;
import io.muster.communicator.Transport;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Two ranks bounce a buffer back and forth, like MSCCL++'s {@code gpu_ping_pong_mp}: in iteration
 * i, rank {@code i % 2} fills its buffer with the pattern of i, writes it into the peer's buffer
 * and signals; the peer waits and checks every byte. Rank 0 prints the time per iteration.
 *
 * <pre>
 * bin/muster run -n 2 -- java -cp CLASSPATH io.muster.communicator.examples.PingPong [options]
 *   --gpu             device memory over CUDA IPC (default: host memory over shared memory)
 *   --tcp             host memory over TCP (between machines)
 *   --address ADDR    the address TCP listens on (default: this host's address)
 *   --device N        the GPU with --gpu (default: rank % number of GPUs)
 *   --bytes N         the buffer size (default 1048576)
 *   --iterations N    (default 1000)
 * </pre>
 *
 * The group comes from the environment ({@code Bootstrap.open("env:")}): MUSTER_URI, MUSTER_RANK
 * and MUSTER_SIZE as {@code muster run} sets them. Exit status 0 on success, 1 if a check fails, 2
 * for bad arguments or a setup failure.
 */
public final class PingPong {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Transport transport;
  private final InetAddress address;
  private final int device;
  private final int bytes;
  private final int iterations;

  private PingPong(
      Transport transport, InetAddress address, int device, int bytes, int iterations) {
    this.transport = transport;
    this.address = address;
    this.device = device;
    this.bytes = bytes;
    this.iterations = iterations;
  }

  public static void main(String[] args) {
    PingPong p;
    try {
      p = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("PingPong: " + e.getMessage());
      System.exit(2);
      return;
    }
    int status;
    try (Bootstrap group = Bootstrap.open("env:")) {
      status = p.run(group, System.out);
    } catch (BootstrapException | IllegalArgumentException | CompletionException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      System.err.println("PingPong: " + cause.getMessage());
      status = 2;
    }
    System.exit(status);
  }

  /** Parses the command line. */
  static PingPong parse(String... args) {
    Transport transport = Transport.SHARED_MEMORY;
    InetAddress address = null;
    int device = -1;
    int bytes = 1 << 20;
    int iterations = 1000;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--gpu":
            transport = Transport.CUDA_IPC;
            break;
          case "--tcp":
            transport = Transport.TCP;
            break;
          case "--address":
            address = InetAddress.getByName(value(args, ++i));
            break;
          case "--device":
            device = Integer.parseInt(value(args, ++i));
            break;
          case "--bytes":
            bytes = Integer.parseInt(value(args, ++i));
            break;
          case "--iterations":
            iterations = Integer.parseInt(value(args, ++i));
            break;
          default:
            throw new IllegalArgumentException(
                "unknown option "
                    + args[i]
                    + "; options: --gpu, --tcp, --address ADDR, --device N, --bytes N,"
                    + " --iterations N");
        }
      }
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("--address: " + e.getMessage(), e);
    }
    if (bytes < 4 || bytes % 4 != 0) {
      throw new IllegalArgumentException("--bytes must be a positive multiple of 4, got " + bytes);
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("--iterations must be at least 1, got " + iterations);
    }
    return new PingPong(transport, address, device, bytes, iterations);
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  /** Runs the ping-pong as one of the two ranks of {@code group}; returns the exit status. */
  int run(Bootstrap group, PrintStream out) {
    if (group.size() != 2) {
      throw new IllegalArgumentException(
          "PingPong runs on exactly 2 ranks, the group has " + group.size());
    }
    int peer = 1 - group.rank();
    int gpu =
        transport != Transport.CUDA_IPC
            ? -1
            : device >= 0 ? device : group.rank() % Cuda.deviceCount();
    // the communicator closes before the device memory it may have shared is freed
    try (DeviceMemory deviceMemory = gpu < 0 ? null : Cuda.allocate(gpu, bytes);
        Communicator comm = new Communicator(group)) {
      Buffer buffer = deviceMemory != null ? new DeviceBuffer(deviceMemory) : new HostBuffer(comm);
      RegisteredMemory local = buffer.register(comm);
      comm.sendMemory(local, peer, 0);
      CompletableFuture<RegisteredMemory> remote = comm.recvMemory(peer, 0);
      Connection connection = comm.connect(endpoint(gpu), peer, 0).join();
      Semaphore semaphore = comm.buildSemaphore(connection, peer, 0).join();
      RegisteredMemory peerMemory = remote.join();
      group.barrier();

      long start = System.nanoTime();
      for (int i = 0; i < iterations; i++) {
        if (i % 2 == group.rank()) {
          buffer.fill(i);
          connection.write(peerMemory, 0, local, 0, bytes);
          semaphore.signal();
        } else {
          semaphore.wait(WAIT);
          int bad = buffer.firstMismatch(i);
          if (bad >= 0) {
            out.printf(
                "Rank %d: FAILED in iteration %d: int %d of the buffer is wrong%n",
                group.rank(), i, bad);
            return 1;
          }
        }
      }
      double millis = (System.nanoTime() - start) / 1e6 / iterations;
      group.barrier(); // the peer has checked the last iteration before anyone closes
      if (group.rank() == 0) {
        out.printf(Locale.ROOT, "Elapsed %.4f ms per iteration (%d)%n", millis, iterations);
      }
      out.printf(
          "Rank %d: succeeded, %d iterations of %d bytes over %s verified%n",
          group.rank(), iterations, bytes, transport);
      return 0;
    }
  }

  private Endpoint endpoint(int gpu) {
    switch (transport) {
      case TCP:
        return address == null ? Endpoint.tcp() : Endpoint.tcp(address);
      case CUDA_IPC:
        return Endpoint.cudaIpc(gpu);
      default:
        return Endpoint.sharedMemory();
    }
  }

  /** The pattern of iteration i: every int differs, and differs from the last iteration's. */
  private static int value(int iteration, int index) {
    return iteration * 0x9E3779B1 + index * 0x85EBCA6B + 1;
  }

  /** The buffer the peer writes into, in host or device memory. */
  private interface Buffer {
    RegisteredMemory register(Communicator comm);

    void fill(int iteration);

    int firstMismatch(int iteration);
  }

  private final class HostBuffer implements Buffer {
    private final ByteBuffer memory;

    HostBuffer(Communicator comm) {
      this.memory = comm.allocateHostMemory(bytes).order(ByteOrder.nativeOrder());
    }

    @Override
    public RegisteredMemory register(Communicator comm) {
      return comm.registerMemory(memory, transport);
    }

    @Override
    public void fill(int iteration) {
      for (int k = 0; k < bytes / 4; k++) {
        memory.putInt(k * 4, value(iteration, k));
      }
    }

    @Override
    public int firstMismatch(int iteration) {
      return mismatch(memory, iteration);
    }
  }

  private int mismatch(ByteBuffer memory, int iteration) {
    for (int k = 0; k < bytes / 4; k++) {
      if (memory.getInt(k * 4) != value(iteration, k)) {
        return k;
      }
    }
    return -1;
  }

  private final class DeviceBuffer implements Buffer {
    private final DeviceMemory memory;
    private final ByteBuffer staging =
        ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());

    DeviceBuffer(DeviceMemory memory) {
      this.memory = memory;
    }

    @Override
    public RegisteredMemory register(Communicator comm) {
      return comm.registerMemory(memory, Transport.CUDA_IPC);
    }

    @Override
    public void fill(int iteration) {
      for (int k = 0; k < bytes / 4; k++) {
        staging.putInt(k * 4, value(iteration, k));
      }
      memory.copyFromHost(0, staging.duplicate());
    }

    @Override
    public int firstMismatch(int iteration) {
      memory.copyToHost(0, staging.duplicate());
      return mismatch(staging, iteration);
    }
  }
}
