package io.muster.redis.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.BootstrapUri;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.function.Function;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;

/**
 * Where a job's Redis is and how to log in: host, port, database, user, password and TLS, taken
 * from a {@code redis://} or {@code rediss://} URI (the password also from {@code
 * MUSTER_REDIS_PASSWORD}). Its {@link #toString()} never shows the password.
 */
public final class RedisEndpoint {
  /** The environment variable that supplies the password when the URI has none. */
  public static final String PASSWORD_VARIABLE = "MUSTER_REDIS_PASSWORD";

  static final int DEFAULT_PORT = 6379;
  private static final int CONNECT_MILLIS = 2_000;
  private static final int SOCKET_MILLIS = 10_000;

  /** Protects nothing: the in-memory trust store holds public certificates only. */
  private static final char[] STORE_PASSWORD = "muster".toCharArray();

  private final String host;
  private final int port;
  private final int database;
  private final String user;
  private final String password;
  private final boolean tls;
  private final String caCertificates;
  private final SslOptions ssl;

  private RedisEndpoint(
      String host,
      int port,
      int database,
      String user,
      String password,
      boolean tls,
      String caCertificates) {
    this.host = host;
    this.port = port;
    this.database = database;
    this.user = user;
    this.password = password;
    this.tls = tls;
    this.caCertificates = caCertificates;
    this.ssl = tls ? sslOptions() : null; // reads cacert now, so a bad file fails the open
  }

  /**
   * Reads the endpoint from a URI.
   *
   * @param env the environment (for {@link #PASSWORD_VARIABLE})
   * @param caCertificates a PEM file of CA certificates to trust for TLS, or {@code null} for the
   *     JVM's trust store
   * @throws BootstrapException {@code CONFIG} for a malformed address or database
   */
  public static RedisEndpoint of(
      BootstrapUri uri, Function<String, String> env, String caCertificates) {
    if (!uri.isHierarchical() || uri.hosts().size() != 1) {
      throw new BootstrapException(
          Code.CONFIG,
          "write "
              + uri.scheme()
              + "://[USER:PASSWORD@]HOST[:PORT][/DB]?job=NAME (one Redis server), not "
              + uri);
    }
    BootstrapUri.HostPort hp = uri.hosts().get(0);
    int port = hp.port(DEFAULT_PORT);
    if (port == 0) {
      throw new BootstrapException(Code.CONFIG, "port 0 in " + uri + " is not a Redis port");
    }
    int database = 0;
    String path = uri.path();
    if (!path.isEmpty() && !path.equals("/")) {
      try {
        database = Integer.parseInt(path.substring(1));
      } catch (NumberFormatException e) {
        database = -1;
      }
      if (database < 0) {
        throw new BootstrapException(
            Code.CONFIG,
            "'"
                + path.substring(1)
                + "' in "
                + uri
                + " is not a database number; write /0, /1, … after the port, or nothing");
      }
    }
    String user = uri.user().filter(u -> !u.isEmpty()).orElse(null);
    String password = uri.password().filter(p -> !p.isEmpty()).orElse(null);
    if (password == null) {
      String fromEnv = env.apply(PASSWORD_VARIABLE);
      password = fromEnv == null || fromEnv.isEmpty() ? null : fromEnv;
    }
    boolean tls = uri.scheme().equals("rediss");
    if (caCertificates != null && !tls) {
      throw new BootstrapException(
          Code.CONFIG, "cacert= is for TLS: write rediss:// instead of redis:// in " + uri);
    }
    return new RedisEndpoint(hp.host(), port, database, user, password, tls, caCertificates);
  }

  /** {@code redis://host:port/db} or {@code rediss://…}, without credentials. */
  @Override
  public String toString() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return (tls ? "rediss://" : "redis://")
        + h
        + ":"
        + port
        + (database == 0 ? "" : "/" + database);
  }

  /** The user, for messages; {@code null} for the default user. */
  String user() {
    return user;
  }

  boolean hasPassword() {
    return password != null;
  }

  /**
   * The server's socket address, so the TCP transport can listen on the interface that routes to
   * it.
   */
  public InetSocketAddress socketAddress() {
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new BootstrapException(
          Code.CONFIG, "cannot resolve the Redis host '" + host + "' of " + this + ": " + e, e);
    }
  }

  private JedisClientConfig config(String clientName) {
    DefaultJedisClientConfig.Builder b =
        DefaultJedisClientConfig.builder()
            .resp2() // every Redis since 2.6 speaks it; no HELLO round trip
            .connectionTimeoutMillis(CONNECT_MILLIS)
            .socketTimeoutMillis(SOCKET_MILLIS)
            .database(database)
            .clientName(clientName)
            .clientSetInfoConfig(ClientSetInfoConfig.DISABLED); // two commands less per connection
    if (user != null) {
      b.user(user);
    }
    if (password != null) {
      b.password(password);
    }
    if (ssl != null) {
      b.sslOptions(ssl);
    }
    return b.build();
  }

  /** TLS that checks the certificate chain and that the certificate names the host. */
  private SslOptions sslOptions() {
    SslOptions.Builder b = SslOptions.builder().sslVerifyMode(SslVerifyMode.FULL);
    if (caCertificates != null) {
      byte[] store = trustStore(caCertificates);
      b.truststore(() -> new ByteArrayInputStream(store), STORE_PASSWORD).trustStoreType("PKCS12");
    }
    return b.build();
  }

  /** The CA certificates of a PEM file, as a PKCS #12 trust store (what Jedis reads). */
  private byte[] trustStore(String pemFile) {
    try (InputStream in = Files.newInputStream(Path.of(pemFile))) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new BootstrapException(
            Code.CONFIG, "cacert=" + pemFile + " holds no PEM certificate for " + this);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (Certificate c : certificates) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.store(out, STORE_PASSWORD);
      return out.toByteArray();
    } catch (IOException | GeneralSecurityException e) {
      throw new BootstrapException(
          Code.CONFIG,
          "cannot read the CA certificates in cacert=" + pemFile + " for " + this + ": " + e,
          e);
    }
  }

  /** A pooled client for short commands, holding at most {@code connections} connections. */
  RedisClient client(String clientName, int connections) {
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(connections);
    pool.setMaxIdle(connections);
    pool.setMinIdle(0);
    pool.setJmxEnabled(false);
    pool.setMaxWait(java.time.Duration.ofMillis(SOCKET_MILLIS));
    return RedisClient.builder()
        .hostAndPort(new HostAndPort(host, port))
        .clientConfig(config(clientName))
        .poolConfig(pool)
        .build();
  }

  /**
   * A connection of its own, for commands that block (its owner can close it from another thread to
   * end the wait). It connects on first use.
   */
  Connection connection(String clientName) {
    return new Connection(new HostAndPort(host, port), config(clientName));
  }

  /** Whether the endpoint uses TLS. */
  boolean tls() {
    return tls;
  }
}
