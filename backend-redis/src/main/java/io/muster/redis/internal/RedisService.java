package io.muster.redis.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import io.muster.spi.Durations;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.KeyValue;

/**
 * One rank's access to Redis: a small connection pool for short commands, retries that are bounded
 * by attempts and by the caller's deadline (and only for connection errors), and the translation of
 * Jedis's exceptions into {@link BootstrapException} codes that say what to do.
 */
final class RedisService implements AutoCloseable {
  /** Attempts per call before Redis counts as unavailable. */
  static final int ATTEMPTS = 6;

  private static final long FIRST_BACKOFF_MILLIS = 50;
  private static final long MAX_BACKOFF_MILLIS = 1_000;
  private static final CommandObjects COMMANDS = new CommandObjects(RedisProtocol.RESP2);

  private final RedisEndpoint endpoint;
  private final RedisClient client;
  private final String clientName;

  RedisService(RedisEndpoint endpoint, String clientName, int connections) {
    this.endpoint = endpoint;
    this.clientName = clientName;
    this.client = endpoint.client(clientName, connections);
  }

  RedisEndpoint endpoint() {
    return endpoint;
  }

  /**
   * Runs {@code op}, retrying while the connection fails, at most {@link #ATTEMPTS} times and never
   * past {@code deadline}. {@code op} must be safe to repeat.
   *
   * @param what the operation, for messages ("joining job 'x'")
   */
  <T> T call(String what, Deadline deadline, Function<RedisClient, T> op) {
    return retrying(what, deadline, () -> op.apply(client));
  }

  /**
   * Opens a connection of its own, for commands that block (its owner can close it from another
   * thread to end the wait), retrying like {@link #call}.
   */
  Connection connect(String what, Deadline deadline) {
    return retrying(what, deadline, () -> endpoint.connection(clientName));
  }

  private <T> T retrying(String what, Deadline deadline, Supplier<T> op) {
    long backoff = FIRST_BACKOFF_MILLIS;
    long start = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      try {
        return op.get();
      } catch (JedisException e) {
        BootstrapException failure = translate(e, what);
        if (failure.code() != Code.UNAVAILABLE) {
          throw failure;
        }
        long pause = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        if (attempt >= ATTEMPTS || deadline.nanosLeft() < TimeUnit.MILLISECONDS.toNanos(pause)) {
          throw unavailable(what, attempt, start, e);
        }
        sleep(pause, what);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
      }
    }
  }

  /** Runs a script through the pool, with {@link #call}'s retries. */
  Object script(
      Script script, String what, Deadline deadline, List<byte[]> keys, List<byte[]> args) {
    return call(what, deadline, c -> script.run(c, keys, args));
  }

  /**
   * Waits on {@code connection} for the first entry of the list {@code key}, at most {@code
   * seconds} (0 waits for ever); {@code null} when none came. Not retried: a broken connection ends
   * the wait with an exception the caller translates.
   */
  static byte[] blockingPop(Connection connection, byte[] key, double seconds) {
    KeyValue<byte[], byte[]> kv = connection.executeCommand(COMMANDS.blpop(seconds, key));
    return kv == null ? null : kv.getValue();
  }

  /** Turns a Jedis failure into what the caller should do. */
  BootstrapException translate(RuntimeException e, String what) {
    if (e instanceof BootstrapException) {
      return (BootstrapException) e;
    }
    String m = String.valueOf(e.getMessage());
    if (e instanceof JedisAccessControlException
        || m.startsWith("WRONGPASS")
        || m.startsWith("NOAUTH")
        || m.startsWith("NOPERM")
        || m.contains("invalid password")
        || m.contains("invalid username-password")) {
      return new BootstrapException(
          Code.CONFIG,
          "Redis at "
              + endpoint
              + " refused "
              + (endpoint.user() == null ? "this client" : "user '" + endpoint.user() + "'")
              + " while "
              + what
              + " ("
              + firstWord(m)
              + "): "
              + (endpoint.hasPassword()
                  ? "check the password in the URI or in " + RedisEndpoint.PASSWORD_VARIABLE
                  : "it wants a password: put it in the URI (redis://:PASSWORD@host) or in "
                      + RedisEndpoint.PASSWORD_VARIABLE)
              + ", and that the user may run EVAL, EVALSHA, SCRIPT LOAD, BLPOP and the list, hash and sorted-set commands",
          e);
    }
    if (m.contains("DB index is out of range") || m.contains("invalid DB index")) {
      return new BootstrapException(
          Code.CONFIG,
          "Redis at " + endpoint + " has no such database (" + m + "); pick a lower /DB",
          e);
    }
    if (m.startsWith("READONLY")) {
      return new BootstrapException(
          Code.CONFIG,
          "Redis at " + endpoint + " is a read-only replica; point the URI at the primary",
          e);
    }
    if (hasCause(e, SSLException.class)) {
      return new BootstrapException(
          Code.CONFIG,
          "the TLS handshake with Redis at "
              + endpoint
              + " failed while "
              + what
              + " ("
              + rootMessage(e)
              + "): use rediss:// only for a TLS port, and trust the server's certificate"
              + " (cacert=PATH to a PEM CA file, or the JVM's trust store)",
          e);
    }
    if (e instanceof JedisConnectionException
        || e instanceof JedisBusyException
        || m.startsWith("LOADING")
        || m.startsWith("MASTERDOWN")
        || m.startsWith("TRYAGAIN")) {
      return new BootstrapException(
          Code.UNAVAILABLE,
          "Redis at " + endpoint + " failed while " + what + ": " + rootMessage(e),
          e);
    }
    if (m.startsWith("OOM")) {
      return new BootstrapException(
          Code.UNAVAILABLE,
          "Redis at "
              + endpoint
              + " is out of memory while "
              + what
              + "; free memory or raise maxmemory",
          e);
    }
    if (e instanceof JedisDataException) {
      return new BootstrapException(
          Code.PROTOCOL,
          "Redis at "
              + endpoint
              + " answered an error while "
              + what
              + ": "
              + m
              + " (Muster needs Redis 6.0 or later with scripting enabled)",
          e);
    }
    return new BootstrapException(
        Code.INTERNAL, "unexpected failure while " + what + " at " + endpoint + ": " + e, e);
  }

  /** The error after bounded retries: Redis cannot be reached. */
  BootstrapException unavailable(String what, int attempts, long startNanos, RuntimeException e) {
    return new BootstrapException(
        Code.UNAVAILABLE,
        "cannot reach Redis at "
            + endpoint
            + " while "
            + what
            + " after "
            + attempts
            + (attempts == 1 ? " attempt" : " attempts")
            + " in "
            + Durations.format(
                Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos)))
            + " ("
            + rootMessage(e)
            + "); is redis-server running there and reachable from this host"
            + (endpoint.tls() ? "" : ", and does it expect TLS (then write rediss://)")
            + "?",
        e);
  }

  private static void sleep(long millis, String what) {
    try {
      Thread.sleep(millis); // backoff between reconnection attempts, not synchronisation
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BootstrapException(Code.CLOSED, "interrupted while " + what);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    String last = e.toString();
    while (t != null) {
      if (t.getMessage() != null) {
        last = t.getMessage();
      }
      t = t.getCause() == t ? null : t.getCause();
    }
    return last;
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String firstWord(String m) {
    int space = m.indexOf(' ');
    return space < 0 ? m : m.substring(0, space);
  }

  @Override
  public void close() {
    client.close();
  }
}
