/** The {@code tcp://} backend: a rendezvous coordinator and peer connections over Java NIO. */
module io.muster.tcp {
  requires transitive io.muster.api;
  requires org.slf4j;

  exports io.muster.tcp;
  exports io.muster.tcp.internal to
      io.muster.redis,
      io.muster.zookeeper,
      io.muster.mpi;

  provides io.muster.spi.BootstrapProvider with
      io.muster.tcp.TcpBootstrapProvider;
}
