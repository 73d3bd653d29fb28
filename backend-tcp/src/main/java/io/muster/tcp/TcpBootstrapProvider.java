package io.muster.tcp;

import io.muster.Bootstrap;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import io.muster.spi.Option;
import io.muster.spi.Options;
import java.time.Duration;
import java.util.List;

/**
 * {@code tcp://HOST:PORT}: a rendezvous coordinator at HOST:PORT (started by rank 0, or by {@code
 * muster coordinator} with {@code coordinator=external}), then direct connections between ranks.
 *
 * <p>Keys beyond the common ones: {@code coordinator}, {@code bind}, {@code heartbeat}.
 */
public final class TcpBootstrapProvider implements BootstrapProvider {
  static final Option<String> COORDINATOR =
      Option.choice(
          "coordinator",
          "embedded",
          "embedded: rank 0 runs the coordinator at HOST:PORT; external: `muster coordinator` does"
              + " (and ranks may then ask for rank=-1)",
          "embedded",
          "external");
  static final Option<String> BIND =
      Option.text(
          "bind",
          null,
          "the interface name (eth0) or address this rank listens on; by default the local"
              + " address that reaches the coordinator");
  static final Option<Duration> HEARTBEAT =
      Option.duration(
          "heartbeat",
          Duration.ofSeconds(1),
          "how often ranks and the coordinator exchange heartbeats; three missed ones mean lost");

  @Override
  public String scheme() {
    return "tcp";
  }

  @Override
  public List<Option<?>> options() {
    return List.of(COORDINATOR, BIND, HEARTBEAT);
  }

  @Override
  public Bootstrap open(BootstrapUri uri, int rank, int size, Options options) {
    return TcpBootstrap.open(uri, rank, size, options);
  }
}
