/**
 * The {@code mpi:} backend: rank and size from the system's MPI library, messages and collectives
 * over MPI (or over the TCP transport with {@code transport=tcp}).
 */
module io.muster.mpi {
  requires transitive io.muster.api;
  requires io.muster.tcp;
  requires com.sun.jna;
  requires org.slf4j;
  requires jdk.unsupported; // sun.misc.Signal: to tell mpirun stopping a rank from a rank failing

  exports io.muster.mpi;

  provides io.muster.spi.BootstrapProvider with
      io.muster.mpi.MpiBootstrapProvider;
}
