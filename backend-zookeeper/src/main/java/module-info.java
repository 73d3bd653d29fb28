/**
 * The {@code zk://} backend: ranks meet under a ZooKeeper job node through Apache Curator, their
 * ZooKeeper sessions tell who died, and the TCP transport carries the messages.
 *
 * <p>ZooKeeper 3.9's {@code zookeeper} and {@code zookeeper-jute} jars share packages, so they
 * cannot both be modules: on the module path, keep {@code zookeeper-jute} on the class path and add
 * {@code --add-reads io.muster.zookeeper=ALL-UNNAMED} (as this module's build does). On the class
 * path nothing is needed.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.muster.zookeeper {
  requires io.muster.api;
  requires io.muster.tcp;
  requires org.slf4j;
  requires curator.framework;
  requires curator.client;
  requires zookeeper;

  exports io.muster.zookeeper;

  provides io.muster.spi.BootstrapProvider with
      io.muster.zookeeper.ZooKeeperBootstrapProvider;
}
