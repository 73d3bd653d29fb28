package io.muster.redis;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.redis.internal.JobSettings;
import io.muster.redis.internal.RedisEndpoint;
import io.muster.redis.internal.RedisMembership;
import io.muster.redis.internal.RedisTransportBootstrap;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import io.muster.spi.CommonOptions;
import io.muster.spi.Option;
import io.muster.spi.Options;
import io.muster.tcp.TcpBootstrap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code redis://[USER:PASSWORD@]HOST[:PORT][/DB]?job=NAME} and {@code rediss://…} (TLS): ranks
 * meet through a Redis server, so no rank has to be reachable first and none is a single point of
 * failure while the group gathers. The password may come from {@code MUSTER_REDIS_PASSWORD} instead
 * of the URI. Every key of a job lives under {@code muster:{NAME}:}, carries a TTL, and is deleted
 * when the last rank closes; jobs of different names never see each other.
 *
 * <p>Keys beyond the common ones ({@code job} is required):
 *
 * <ul>
 *   <li>{@code transport}: {@code tcp} (default) carries messages over direct TCP connections
 *       between ranks; {@code redis} sends every message through Redis, for networks where ranks
 *       cannot accept connections from each other;
 *   <li>{@code heartbeat} (default {@code 1s}): how often a rank renews its lease; a rank that
 *       misses three renewals is reported lost;
 *   <li>{@code ttl} (default {@code 1m}): how long a crashed job's keys outlive its last heartbeat;
 *   <li>{@code cacert}: a PEM file of CA certificates to trust for {@code rediss://};
 *   <li>{@code bind}: with {@code transport=tcp}, the interface or address ranks listen on.
 * </ul>
 */
public final class RedisBootstrapProvider implements BootstrapProvider {
  static final Option<String> TRANSPORT =
      Option.choice(
          "transport",
          "tcp",
          "tcp: messages travel over direct connections between ranks; redis: every message goes"
              + " through Redis (when ranks cannot connect to each other)",
          "tcp",
          "redis");
  static final Option<Duration> HEARTBEAT =
      Option.duration(
          "heartbeat",
          Duration.ofSeconds(1),
          "how often a rank renews its lease at Redis; three missed renewals mean lost");
  static final Option<Duration> TTL =
      Option.duration(
          "ttl",
          Duration.ofMinutes(1),
          "how long a crashed job's keys outlive its last heartbeat before Redis expires them");
  static final Option<String> CACERT =
      Option.text(
          "cacert",
          null,
          "a PEM file of CA certificates to trust for rediss:// (default: the JVM's trust store)");

  /** Job names: printable, no spaces or braces (they delimit the key prefix). */
  private static final Pattern JOB = Pattern.compile("[^\\s{}]{1,200}");

  private final Function<String, String> env;

  public RedisBootstrapProvider() {
    this(System::getenv);
  }

  /** With another environment, for tests of {@code MUSTER_REDIS_PASSWORD}. */
  RedisBootstrapProvider(Function<String, String> env) {
    this.env = env;
  }

  @Override
  public String scheme() {
    return "redis";
  }

  @Override
  public List<String> schemes() {
    return List.of("redis", "rediss");
  }

  @Override
  public List<Option<?>> options() {
    List<Option<?>> all = new ArrayList<>(List.of(TRANSPORT, HEARTBEAT, TTL, CACERT));
    all.addAll(TcpBootstrap.transportOptions());
    return all;
  }

  @Override
  public Bootstrap open(BootstrapUri uri, int rank, int size, Options options) {
    RedisEndpoint endpoint = RedisEndpoint.of(uri, env, options.get(CACERT));
    if (!options.isSet(CommonOptions.JOB)) {
      throw new BootstrapException(
          Code.CONFIG,
          "no job name in "
              + uri
              + ": add job=NAME; the ranks of one job meet under that name, so pick one that no"
              + " other job on this Redis uses");
    }
    String job = options.get(CommonOptions.JOB);
    if (!JOB.matcher(job).matches()) {
      throw new BootstrapException(
          Code.CONFIG,
          "the job name in " + uri + " must be 1 to 200 characters without spaces or braces");
    }
    if (size == ANY_SIZE) {
      throw new BootstrapException(
          Code.CONFIG,
          "no size for "
              + uri
              + ": add size=N to the URI, pass it to open(uri, rank, size), or set MUSTER_SIZE");
    }
    Duration heartbeat = options.get(HEARTBEAT);
    Duration ttl = options.get(TTL);
    if (ttl.compareTo(heartbeat.multipliedBy(6)) < 0) {
      throw new BootstrapException(
          Code.CONFIG,
          "ttl in "
              + uri
              + " must be at least six heartbeats, or a live job's keys could expire; raise ttl or"
              + " lower heartbeat");
    }
    String transport = options.get(TRANSPORT);
    if (transport.equals("redis") && options.isSet(TcpBootstrap.transportOptions().get(0))) {
      throw new BootstrapException(
          Code.CONFIG, "bind= is for transport=tcp; drop it from " + uri + " or the transport");
    }
    String where = endpoint + " job '" + job + "'";
    JobSettings settings =
        new JobSettings(
            job,
            where,
            JobSettings.digest(job, options.get(CommonOptions.TOKEN)),
            transport,
            heartbeat,
            ttl);
    if (transport.equals("redis")) {
      return RedisTransportBootstrap.open(
          endpoint, settings, rank, size, options.get(CommonOptions.TIMEOUT));
    }
    return TcpBootstrap.open(
        RedisMembership.rendezvous(endpoint, settings),
        rank,
        size,
        options,
        where,
        endpoint.socketAddress());
  }
}
