package io.muster.spi;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed Muster URI. Two shapes are accepted:
 *
 * <ul>
 *   <li>hierarchical: {@code scheme://[user[:password]@]host[:port][,host[:port]…][/path][?query]}
 *       ({@code tcp://}, {@code redis://}, {@code zk://}); IPv6 literals go in brackets;
 *   <li>opaque: {@code scheme:[name][?query]} ({@code local:NAME}, {@code mpi:}, {@code env:}).
 * </ul>
 *
 * <p>Query values are percent-decoded; a key may appear once. {@link #toString()} masks passwords
 * and secret keys, so a URI can be logged.
 */
public final class BootstrapUri {
  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");
  private static final Set<String> SECRET_KEYS = Set.of("token", "password", "auth", "secret");

  /** One host of the authority, with its port or -1 when none was written. */
  public static final class HostPort {
    private final String host;
    private final int port;

    HostPort(String host, int port) {
      this.host = host;
      this.port = port;
    }

    /** The host, without brackets for IPv6 literals. */
    public String host() {
      return host;
    }

    /** The port, or -1 when the URI gives none. */
    public int port() {
      return port;
    }

    /** The port, or {@code defaultPort} when the URI gives none. */
    public int port(int defaultPort) {
      return port < 0 ? defaultPort : port;
    }

    @Override
    public String toString() {
      String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
      return port < 0 ? h : h + ":" + port;
    }
  }

  private final String text;
  private final String scheme;
  private final boolean hierarchical;
  private final String user;
  private final String password;
  private final List<HostPort> hosts;
  private final String path;
  private final Map<String, String> query;

  private BootstrapUri(
      String text,
      String scheme,
      boolean hierarchical,
      String user,
      String password,
      List<HostPort> hosts,
      String path,
      Map<String, String> query) {
    this.text = text;
    this.scheme = scheme;
    this.hierarchical = hierarchical;
    this.user = user;
    this.password = password;
    this.hosts = List.copyOf(hosts);
    this.path = path;
    this.query = Collections.unmodifiableMap(query);
  }

  /**
   * Parses a URI.
   *
   * @throws BootstrapException with code {@code CONFIG} saying what is malformed
   */
  public static BootstrapUri parse(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new BootstrapException(
          Code.CONFIG, "no URI given: pass one such as tcp://HOST:PORT?size=N or local:NAME");
    }
    String text = uri.trim();
    int colon = text.indexOf(':');
    String scheme = colon < 0 ? "" : text.substring(0, colon).toLowerCase(Locale.ROOT);
    if (colon <= 0 || !SCHEME.matcher(scheme).matches()) {
      throw malformed(text, "it does not start with a scheme such as tcp:, redis:, zk: or local:");
    }
    String rest = text.substring(colon + 1);
    int q = rest.indexOf('?');
    String queryText = q < 0 ? "" : rest.substring(q + 1);
    String body = q < 0 ? rest : rest.substring(0, q);
    Map<String, String> query = parseQuery(text, queryText);
    if (!body.startsWith("//")) {
      return new BootstrapUri(
          text, scheme, false, null, null, List.of(), decode(text, body), query);
    }
    String authorityAndPath = body.substring(2);
    int slash = authorityAndPath.indexOf('/');
    String authority = slash < 0 ? authorityAndPath : authorityAndPath.substring(0, slash);
    String path = slash < 0 ? "" : authorityAndPath.substring(slash);
    String user = null;
    String password = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int c = userInfo.indexOf(':');
      user = decode(text, c < 0 ? userInfo : userInfo.substring(0, c));
      password = c < 0 ? null : decode(text, userInfo.substring(c + 1));
    }
    List<HostPort> hosts = new ArrayList<>();
    if (!authority.isEmpty()) {
      for (String part : authority.split(",", -1)) {
        hosts.add(parseHost(text, part));
      }
    }
    return new BootstrapUri(text, scheme, true, user, password, hosts, decode(text, path), query);
  }

  private static HostPort parseHost(String text, String part) {
    String host;
    String portText = null;
    if (part.startsWith("[")) {
      int close = part.indexOf(']');
      if (close < 0) {
        throw malformed(text, "the IPv6 address '" + part + "' has no closing ']'");
      }
      host = part.substring(1, close);
      String after = part.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw malformed(text, "expected ':PORT' after '" + part.substring(0, close + 1) + "'");
        }
        portText = after.substring(1);
      }
    } else {
      int c = part.lastIndexOf(':');
      if (c >= 0 && part.indexOf(':') != c) {
        throw malformed(text, "write the IPv6 address '" + part + "' in brackets: [" + part + "]");
      }
      host = c < 0 ? part : part.substring(0, c);
      portText = c < 0 ? null : part.substring(c + 1);
    }
    if (host.isEmpty()) {
      throw malformed(text, "a host is empty");
    }
    int port = -1;
    if (portText != null) {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        port = -2;
      }
      if (port < 0 || port > 65535) {
        throw malformed(text, "'" + portText + "' is not a port (0..65535)");
      }
    }
    return new HostPort(host, port);
  }

  private static Map<String, String> parseQuery(String text, String queryText) {
    Map<String, String> query = new LinkedHashMap<>();
    if (queryText.isEmpty()) {
      return query;
    }
    for (String pair : queryText.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(text, eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(text, pair.substring(eq + 1));
      if (query.putIfAbsent(key, value) != null) {
        throw new BootstrapException(
            Code.CONFIG,
            "the key '" + key + "' appears twice in " + redact(text) + "; give it once");
      }
    }
    return query;
  }

  private static String decode(String text, String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw malformed(text, "bad percent-encoding in '" + redact(s) + "'");
    }
  }

  private static BootstrapException malformed(String text, String why) {
    return new BootstrapException(
        Code.CONFIG, "malformed URI '" + redact(text) + "': " + why + ".");
  }

  /** The scheme, lower case, without the colon. */
  public String scheme() {
    return scheme;
  }

  /** True for {@code scheme://authority…}, false for {@code scheme:name}. */
  public boolean isHierarchical() {
    return hierarchical;
  }

  /** The user of the user-info part, if any. */
  public Optional<String> user() {
    return Optional.ofNullable(user);
  }

  /** The password of the user-info part, if any. Never log it. */
  public Optional<String> password() {
    return Optional.ofNullable(password);
  }

  /** The hosts of the authority, in the order written; empty for opaque URIs. */
  public List<HostPort> hosts() {
    return hosts;
  }

  /**
   * For hierarchical URIs the path ({@code /chroot}, {@code /0}), for opaque ones the name ({@code
   * local:NAME} gives {@code NAME}); empty when none.
   */
  public String path() {
    return path;
  }

  /** The decoded query keys and values, in the order written. */
  public Map<String, String> query() {
    return query;
  }

  /** The URI as written, secrets masked. */
  @Override
  public String toString() {
    return redact(text);
  }

  /** Masks passwords in the user-info part and the values of secret keys. */
  public static String redact(String uri) {
    if (uri == null) {
      return null;
    }
    String s = uri;
    int schemeEnd = s.indexOf("://");
    if (schemeEnd >= 0) {
      int start = schemeEnd + 3;
      int end = s.length();
      for (char c : new char[] {'/', '?'}) {
        int i = s.indexOf(c, start);
        if (i >= 0 && i < end) {
          end = i;
        }
      }
      int at = s.lastIndexOf('@', end - 1);
      if (at >= start) {
        int colon = s.indexOf(':', start);
        if (colon >= 0 && colon < at) {
          s = s.substring(0, colon + 1) + "****" + s.substring(at);
        }
      }
    }
    int q = s.indexOf('?');
    if (q < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.substring(0, q + 1));
    String[] pairs = s.substring(q + 1).split("&", -1);
    for (int i = 0; i < pairs.length; i++) {
      if (i > 0) {
        out.append('&');
      }
      String pair = pairs[i];
      int eq = pair.indexOf('=');
      String key = (eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
      if (eq >= 0 && isSecretKey(key)) {
        out.append(pair, 0, eq + 1).append("****");
      } else {
        out.append(pair);
      }
    }
    return out.toString();
  }

  static boolean isSecretKey(String key) {
    return SECRET_KEYS.contains(key) || key.endsWith("password") || key.endsWith("secret");
  }
}
