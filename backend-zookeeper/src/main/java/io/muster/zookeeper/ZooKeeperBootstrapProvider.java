package io.muster.zookeeper;

import io.muster.Bootstrap;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import io.muster.spi.Option;
import io.muster.spi.Options;
import io.muster.tcp.TcpBootstrap;
import io.muster.zookeeper.internal.Settings;
import io.muster.zookeeper.internal.ZkRendezvous;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code zk://HOST:PORT[,HOST:PORT…][/ROOT]?job=NAME}: ranks meet under the ZooKeeper node {@code
 * ROOT/NAME} (ROOT defaults to {@code /muster}), each holding an ephemeral node with its address;
 * the TCP transport then carries the messages. A rank whose ZooKeeper session ends (its process
 * died) is reported to the others as {@code PEER_LOST}; a rank that loses its own session fails
 * with {@code UNAVAILABLE}. Connection losses shorter than the session timeout are ridden out.
 *
 * <p>Keys beyond the common ones: {@code session} (the ZooKeeper session timeout, which bounds how
 * soon a killed rank is noticed), {@code connect} (how long to wait for a first connection) and
 * {@code bind} (the interface the rank listens on). Digest authentication comes from the URI's
 * {@code user:password@} part or from {@code MUSTER_ZK_AUTH=user:password}; job nodes are then
 * readable and writable by that identity only. {@code rank=-1} assigns ranks in order of arrival.
 */
public final class ZooKeeperBootstrapProvider implements BootstrapProvider {
  /** The ZooKeeper session timeout. */
  public static final Option<Duration> SESSION =
      Option.duration(
          "session",
          Duration.ofSeconds(10),
          "the ZooKeeper session timeout: a rank whose process dies is reported lost after about"
              + " this long (the server may clamp it to its own min/max session timeout)");

  /** How long to wait for the first connection to the ensemble. */
  public static final Option<Duration> CONNECT =
      Option.duration(
          "connect",
          Duration.ofSeconds(15),
          "how long to wait for a first connection to the ZooKeeper ensemble before failing with"
              + " UNAVAILABLE (never longer than timeout)");

  @Override
  public String scheme() {
    return "zk";
  }

  @Override
  public List<Option<?>> options() {
    List<Option<?>> all = new ArrayList<>(List.of(SESSION, CONNECT));
    all.addAll(TcpBootstrap.transportOptions());
    return all;
  }

  @Override
  public Bootstrap open(BootstrapUri uri, int rank, int size, Options options) {
    Settings settings = Settings.of(uri, options, System::getenv, SESSION, CONNECT);
    return TcpBootstrap.open(
        new ZkRendezvous(settings), rank, size, options, settings.where(), settings.service());
  }
}
