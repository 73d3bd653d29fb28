package io.muster.zookeeper.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.BootstrapUri;
import io.muster.spi.CommonOptions;
import io.muster.spi.Option;
import io.muster.spi.Options;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.zookeeper.common.PathUtils;

/** What a {@code zk://} URI says, checked once: where the ensemble is and where the job lives. */
public final class Settings {
  /** The port of a host written without one. */
  static final int DEFAULT_PORT = 2181;

  /** Where jobs live when the URI names no root. */
  static final String DEFAULT_ROOT = "/muster";

  /** The environment variable with {@code user:password} for digest authentication. */
  static final String AUTH_ENV = "MUSTER_ZK_AUTH";

  private final String connectString;
  private final String root;
  private final String job;
  private final String tokenDigest;
  private final Duration session;
  private final Duration connect;
  private final String auth;
  private final String where;
  private final InetSocketAddress service;

  private Settings(
      String connectString,
      String root,
      String job,
      String tokenDigest,
      Duration session,
      Duration connect,
      String auth,
      String where,
      InetSocketAddress service) {
    this.connectString = connectString;
    this.root = root;
    this.job = job;
    this.tokenDigest = tokenDigest;
    this.session = session;
    this.connect = connect;
    this.auth = auth;
    this.where = where;
    this.service = service;
  }

  /**
   * Reads a {@code zk://} URI.
   *
   * @throws BootstrapException {@code CONFIG} for a malformed URI, root, job name or credentials
   */
  public static Settings of(
      BootstrapUri uri,
      Options options,
      Function<String, String> env,
      Option<Duration> session,
      Option<Duration> connect) {
    if (!uri.isHierarchical() || uri.hosts().isEmpty()) {
      throw new BootstrapException(
          Code.CONFIG,
          "write zk://HOST:PORT[,HOST:PORT…][/ROOT]?job=NAME (the ZooKeeper ensemble), not " + uri);
    }
    List<String> hosts = new ArrayList<>();
    for (BootstrapUri.HostPort h : uri.hosts()) {
      String host = h.host().indexOf(':') >= 0 ? "[" + h.host() + "]" : h.host();
      hosts.add(host + ":" + h.port(DEFAULT_PORT));
    }
    String connectString = String.join(",", hosts);
    String root = root(uri);
    String job = options.get(CommonOptions.JOB);
    checkJob(job, uri);
    String auth = auth(uri, env);
    String where =
        "zk://" + connectString + (root.equals(DEFAULT_ROOT) ? "" : root) + " job '" + job + "'";
    return new Settings(
        connectString,
        root,
        job,
        digest(options.get(CommonOptions.TOKEN), job),
        options.get(session),
        options.get(connect),
        auth,
        where,
        service(uri));
  }

  private static String root(BootstrapUri uri) {
    String path = uri.path();
    while (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty() || path.equals("/")) {
      return DEFAULT_ROOT;
    }
    try {
      PathUtils.validatePath(path);
    } catch (IllegalArgumentException e) {
      throw new BootstrapException(
          Code.CONFIG,
          "the root '" + path + "' in " + uri + " is not a ZooKeeper path: " + e.getMessage());
    }
    return path;
  }

  private static void checkJob(String job, BootstrapUri uri) {
    String why = null;
    if (job.isEmpty()) {
      why = "it is empty";
    } else if (job.indexOf('/') >= 0) {
      why = "it contains '/'";
    } else if (job.equals(".") || job.equals("..")) {
      why = "'.' and '..' are reserved";
    } else if (job.equals("zookeeper")) {
      why = "'zookeeper' is reserved by ZooKeeper";
    } else {
      for (int i = 0; i < job.length(); i++) {
        char c = job.charAt(i);
        if (Character.isISOControl(c) || (c >= '\ud800' && c <= '\uf8ff') || c >= '\ufff0') {
          why = "it contains the character U+" + String.format("%04X", (int) c);
          break;
        }
      }
    }
    if (why != null) {
      throw new BootstrapException(
          Code.CONFIG,
          "the job name '"
              + job
              + "' in "
              + uri
              + " cannot name a ZooKeeper node: "
              + why
              + "; use letters, digits, '-', '_' or '.'");
    }
  }

  private static String auth(BootstrapUri uri, Function<String, String> env) {
    if (uri.user().isPresent()) {
      if (uri.password().isEmpty()) {
        throw new BootstrapException(
            Code.CONFIG,
            "the user '"
                + uri.user().get()
                + "' in "
                + uri
                + " has no password: write zk://USER:PASSWORD@HOST:PORT for digest"
                + " authentication");
      }
      return uri.user().get() + ":" + uri.password().get();
    }
    String fromEnv = env.apply(AUTH_ENV);
    if (fromEnv == null || fromEnv.isEmpty()) {
      return null;
    }
    if (fromEnv.indexOf(':') <= 0) {
      throw new BootstrapException(
          Code.CONFIG, AUTH_ENV + " must be USER:PASSWORD for ZooKeeper digest authentication");
    }
    return fromEnv;
  }

  /** A keyed digest of the token, so ranks can compare tokens without the job node holding it. */
  private static String digest(String token, String job) {
    if (token == null || token.isEmpty()) {
      return "-";
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] d = mac.doFinal(("muster zk job " + job).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (GeneralSecurityException e) {
      throw new BootstrapException(Code.INTERNAL, "HmacSHA256 is unavailable: " + e, e);
    }
  }

  /** The first ensemble member that resolves: ranks listen on the interface that reaches it. */
  private static InetSocketAddress service(BootstrapUri uri) {
    for (BootstrapUri.HostPort h : uri.hosts()) {
      InetSocketAddress a = new InetSocketAddress(h.host(), h.port(DEFAULT_PORT));
      if (!a.isUnresolved()) {
        return a;
      }
    }
    throw new BootstrapException(
        Code.CONFIG,
        "none of the ZooKeeper hosts in " + uri + " resolves: check the host names and DNS");
  }

  /** The ensemble, as ZooKeeper's connect string ({@code host:port,host:port}). */
  public String connectString() {
    return connectString;
  }

  /** The parent of job nodes, such as {@code /muster}. */
  public String root() {
    return root;
  }

  /** The job's name. */
  public String job() {
    return job;
  }

  /** The job node's path. */
  public String jobPath() {
    return root + "/" + job;
  }

  /** A digest of the token ({@code -} when there is none), as kept on the job node. */
  public String tokenDigest() {
    return tokenDigest;
  }

  public Duration session() {
    return session;
  }

  public Duration connect() {
    return connect;
  }

  /** {@code user:password} for digest authentication, or {@code null}. Never log it. */
  String auth() {
    return auth;
  }

  /** How messages name the group: {@code zk://host:2181 job 'train'}. */
  public String where() {
    return where;
  }

  /** An ensemble member's address, for picking the interface to listen on. */
  public InetSocketAddress service() {
    return service;
  }

  @Override
  public String toString() {
    return where + (auth == null ? "" : " (digest auth)");
  }
}
