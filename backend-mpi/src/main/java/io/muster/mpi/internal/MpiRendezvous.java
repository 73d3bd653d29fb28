package io.muster.mpi.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import io.muster.tcp.Membership;
import io.muster.tcp.Rendezvous;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@code mpi:?transport=tcp}: MPI gives the rank and size and carries one allGather of the ranks'
 * listening addresses; the TCP transport carries everything else. It is the pattern of NCCL's and
 * MSCCL++'s MPI examples, which broadcast their unique id over MPI and then leave MPI alone.
 */
public final class MpiRendezvous implements Rendezvous {
  private final MpiRuntime rt;
  private final boolean finalizeOnClose;
  private final AtomicBoolean released = new AtomicBoolean();

  /**
   * @param rt this process's MPI, acquired once for this rendezvous; released when it ends
   */
  public MpiRendezvous(MpiRuntime rt, boolean finalizeOnClose) {
    this.rt = rt;
    this.finalizeOnClose = finalizeOnClose;
  }

  @Override
  public Membership join(int rank, int size, InetSocketAddress listening, Deadline deadline) {
    Communicator comm = Communicator.duplicateWorld(rt, 1, deadline)[0];
    List<byte[]> all;
    try {
      int[] everyone = new int[size];
      Arrays.setAll(everyone, i -> i);
      NativeCollectives exchange =
          new NativeCollectives(
              rt, comm, everyone, size, "addresses", null, () -> false, () -> false);
      all = exchange.allGather(encode(listening), deadline);
    } finally {
      comm.free();
    }
    Map<Integer, InetSocketAddress> addresses = new HashMap<>();
    for (int r = 0; r < size; r++) {
      if (r != rank) {
        addresses.put(r, decode(all.get(r), r));
      }
    }
    return new MpiMembership(rank, size, Collections.unmodifiableMap(addresses));
  }

  private static byte[] encode(InetSocketAddress a) {
    byte[] ip = a.getAddress().getAddress();
    return ByteBuffer.allocate(4 + ip.length).putInt(a.getPort()).put(ip).array();
  }

  private static InetSocketAddress decode(byte[] b, int rank) {
    if (b.length != 8 && b.length != 20) {
      throw new BootstrapException(
          Code.PROTOCOL,
          "rank " + rank + " sent a " + b.length + "-byte address; is it the same Muster version?",
          List.of(rank));
    }
    ByteBuffer in = ByteBuffer.wrap(b);
    int port = in.getInt();
    byte[] ip = new byte[b.length - 4];
    in.get(ip);
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // cannot happen: the length is checked
    }
  }

  /** Gives back this rendezvous's hold on MPI, once. */
  public void release(boolean finalize, long nanos) {
    if (released.compareAndSet(false, true)) {
      rt.release(finalize, nanos);
    }
  }

  /**
   * What MPI tells of the group: every address, once. It reports no lost ranks: under mpirun a
   * process that dies ends the job, and a broken connection tells the TCP transport itself.
   */
  private final class MpiMembership implements Membership {
    private final int rank;
    private final int size;
    private final Map<Integer, InetSocketAddress> addresses;

    MpiMembership(int rank, int size, Map<Integer, InetSocketAddress> addresses) {
      this.rank = rank;
      this.size = size;
      this.addresses = addresses;
    }

    @Override
    public int rank() {
      return rank;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public Map<Integer, InetSocketAddress> addresses() {
      return addresses;
    }

    @Override
    public void lookup(int r, Consumer<InetSocketAddress> then) {
      then.accept(addresses.get(r));
    }

    @Override
    public void listen(Listener listener) {
      // nothing to report: see the class comment
    }

    @Override
    public void leave(long nanos) {
      release(finalizeOnClose, nanos);
    }

    @Override
    public void abort() {
      release(false, 0);
    }
  }
}
