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
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
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
  private final Communicator comm;
  private final NativeCollectives exchange;
  private final AtomicBoolean released = new AtomicBoolean();
  private boolean retired;

  private MpiRendezvous(MpiRuntime rt, boolean finalizeOnClose, Communicator comm) {
    this.rt = rt;
    this.finalizeOnClose = finalizeOnClose;
    this.comm = comm;
    int[] everyone = new int[rt.size()];
    Arrays.setAll(everyone, i -> i);
    this.exchange =
        new NativeCollectives(
            rt, comm, everyone, rt.size(), "rendezvous", null, () -> false, () -> false);
  }

  /**
   * Starts the rendezvous on a communicator of its own; every rank of the MPI job must.
   *
   * @param rt this process's MPI, acquired once for this rendezvous; released when it ends
   */
  public static MpiRendezvous start(MpiRuntime rt, boolean finalizeOnClose, Deadline deadline) {
    return new MpiRendezvous(rt, finalizeOnClose, Communicator.duplicateWorld(rt, 1, deadline)[0]);
  }

  /**
   * A name for this group that no other group of the process shares, made of {@code job} and a
   * random number rank 0 broadcasts: the TCP handshake checks it, so a connection meant for an
   * earlier group of the same job (a late dial, a reused port) is refused rather than mistaken for
   * a rank of this one.
   */
  public String uniqueJob(String job, Deadline deadline) {
    byte[] nonce = new byte[8];
    if (rt.rank() == 0) {
      new SecureRandom().nextBytes(nonce);
    }
    byte[] agreed = exchange.broadcast(0, rt.rank() == 0 ? nonce : null, deadline);
    return job + "/" + HexFormat.of().formatHex(agreed);
  }

  @Override
  public Membership join(int rank, int size, InetSocketAddress listening, Deadline deadline) {
    List<byte[]> all;
    try {
      all = exchange.allGather(encode(listening), deadline);
    } finally {
      retireComm();
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

  private synchronized void retireComm() {
    if (!retired) {
      retired = true;
      comm.retire();
    }
  }

  /** Gives back this rendezvous's hold on MPI, once. */
  public void release(boolean finalize, long nanos) {
    if (released.compareAndSet(false, true)) {
      try {
        retireComm();
      } finally {
        rt.release(finalize, nanos);
      }
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

    private final int sameHost;

    MpiMembership(int rank, int size, Map<Integer, InetSocketAddress> addresses) {
      this.rank = rank;
      this.size = size;
      this.addresses = addresses;
      // Ranks listening on this rank's address share its host, and its cores: receivers spin
      // only while they do not outnumber them.
      InetSocketAddress mine = addresses.get(rank);
      int n = 0;
      for (InetSocketAddress a : addresses.values()) {
        if (mine != null && a.getAddress().equals(mine.getAddress())) {
          n++;
        }
      }
      this.sameHost = Math.max(1, n);
    }

    @Override
    public int ranksOnThisHost() {
      return sameHost;
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
