package io.muster.mpi;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.mpi.internal.MpiGroup;
import io.muster.mpi.internal.MpiRendezvous;
import io.muster.mpi.internal.MpiRuntime;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import io.muster.spi.CommonOptions;
import io.muster.spi.Deadline;
import io.muster.spi.Option;
import io.muster.spi.Options;
import io.muster.tcp.TcpBootstrap;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code mpi:} and {@code mpi:NAME}: a group of the processes that mpirun (or srun) started, with
 * rank and size from MPI's {@code MPI_COMM_WORLD}. Every process of the MPI job must open it.
 *
 * <pre>
 * mpirun -np 4 java -cp app.jar:… App          # App calls Bootstrap.open("mpi:")
 * </pre>
 *
 * <p>Keys beyond the common ones:
 *
 * <ul>
 *   <li>{@code transport}: {@code mpi} (default) moves messages and collectives with MPI; {@code
 *       tcp} uses MPI only for rank, size and the exchange of addresses, then Muster's TCP
 *       transport (and its {@code bind} key);
 *   <li>{@code finalize}: {@code exit} (default) calls {@code MPI_Finalize} at JVM exit; {@code
 *       close} when the process's last group closes, after which the process cannot open {@code
 *       mpi:} again (MPI cannot start twice);
 *   <li>{@code library}: the path of {@code libmpi.so}, by default {@code MUSTER_MPI_LIBRARY} or
 *       what {@code ldconfig} knows.
 * </ul>
 *
 * <p>A {@code rank} or {@code size} given in the URI, to {@code open} or in the environment must
 * agree with MPI's ({@code CONFIG} otherwise). A process whose main thread dies of an exception, or
 * that exits with a group open, calls {@code MPI_Abort}, so mpirun ends the other ranks at once
 * instead of leaving them to time out.
 */
public final class MpiBootstrapProvider implements BootstrapProvider {
  static final Option<String> TRANSPORT =
      Option.choice(
          "transport",
          "mpi",
          "mpi: messages and collectives over MPI; tcp: MPI gives rank, size and addresses, then"
              + " Muster's TCP transport carries the messages",
          "mpi",
          "tcp");
  static final Option<String> FINALIZE =
      Option.choice(
          "finalize",
          "exit",
          "exit: MPI_Finalize at JVM exit; close: when this process's last mpi: group closes (the"
              + " process cannot open mpi: again)",
          "exit",
          "close");
  static final Option<String> LIBRARY =
      Option.text(
          "library",
          null,
          "the path of libmpi.so; by default MUSTER_MPI_LIBRARY, else what ldconfig -p lists");

  @Override
  public String scheme() {
    return "mpi";
  }

  @Override
  public List<Option<?>> options() {
    List<Option<?>> all = new ArrayList<>(List.of(TRANSPORT, FINALIZE, LIBRARY));
    all.addAll(TcpBootstrap.transportOptions());
    return all;
  }

  @Override
  public Bootstrap open(BootstrapUri uri, int rank, int size, Options options) {
    if (uri.isHierarchical()) {
      throw new BootstrapException(
          Code.CONFIG,
          "write mpi: or mpi:NAME (no //) instead of "
              + uri
              + "; mpirun tells every rank where the others are");
    }
    String library = options.get(LIBRARY);
    if (library == null) {
      library = System.getenv("MUSTER_MPI_LIBRARY");
    }
    Duration timeout = options.get(CommonOptions.TIMEOUT);
    boolean tcp = options.get(TRANSPORT).equals("tcp");
    boolean finalizeOnClose = options.get(FINALIZE).equals("close");
    String name = "mpi:" + uri.path();
    Deadline deadline = Deadline.after(timeout, "open of " + name);
    MpiRuntime rt = MpiRuntime.acquire(library, deadline);
    MpiRendezvous rendezvous = null;
    try {
      checkAgrees("rank", rank, ANY_RANK, rt.rank(), rt, name);
      checkAgrees("size", size, ANY_SIZE, rt.size(), rt, name);
      String where = name + " (" + rt.version() + (tcp ? ", transport=tcp" : "") + ")";
      if (tcp) {
        rendezvous = MpiRendezvous.start(rt, finalizeOnClose, deadline);
        String job = rendezvous.uniqueJob(options.get(CommonOptions.JOB), deadline);
        return TcpBootstrap.open(
            rendezvous,
            rt.rank(),
            rt.size(),
            options.with(CommonOptions.JOB, job),
            where,
            new InetSocketAddress(routable(), 9));
      }
      return MpiGroup.open(rt, timeout, where, finalizeOnClose, deadline);
    } catch (RuntimeException e) {
      if (rendezvous != null) {
        rendezvous.release(false, 0);
      } else {
        rt.release(false, 0);
      }
      throw e;
    }
  }

  private static void checkAgrees(
      String what, int given, int unset, int fromMpi, MpiRuntime rt, String name) {
    if (given != unset && given != fromMpi) {
      throw new BootstrapException(
          Code.CONFIG,
          what
              + " "
              + given
              + " was given (in the URI, to open(), or by MUSTER_"
              + what.toUpperCase(java.util.Locale.ROOT)
              + " and the like) but MPI says this process is rank "
              + rt.rank()
              + " of "
              + rt.size()
              + " for "
              + name
              + "; drop it, since mpi: takes rank and size from MPI, or launch with mpirun -np "
              + (what.equals("size") ? given : rt.size()));
    }
  }

  /**
   * An address of this host that other hosts can reach (the first IPv4 address of an interface that
   * is up and not loopback), so that without {@code bind=} the TCP transport listens where ranks on
   * other nodes can connect; loopback when there is none.
   */
  private static InetAddress routable() {
    try {
      for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!n.isUp() || n.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(n.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            return a;
          }
        }
      }
    } catch (SocketException e) {
      // fall back to loopback
    }
    return InetAddress.getLoopbackAddress();
  }
}
