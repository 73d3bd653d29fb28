package io.muster.conformance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Edits the query of a Muster URI as text, so the URI a backend hook returns is kept as written.
 */
final class Uris {
  private Uris() {}

  /** {@code uri} with {@code key=value}, replacing the key's value if the URI already has one. */
  static String with(String uri, String key, String value) {
    String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
    int q = uri.indexOf('?');
    if (q < 0) {
      return uri + "?" + key + "=" + encoded;
    }
    StringBuilder out = new StringBuilder(uri.substring(0, q + 1));
    boolean replaced = false;
    boolean first = true;
    for (String pair : uri.substring(q + 1).split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      if (!first) {
        out.append('&');
      }
      first = false;
      if (k.equals(key)) {
        out.append(key).append('=').append(encoded);
        replaced = true;
      } else {
        out.append(pair);
      }
    }
    if (!replaced) {
      out.append(first ? "" : "&").append(key).append('=').append(encoded);
    }
    return out.toString();
  }

  /** {@code uri} with {@code key=value} unless the URI already sets the key. */
  static String withDefault(String uri, String key, String value) {
    return value(uri, key) == null ? with(uri, key, value) : uri;
  }

  /** The raw value of {@code key} in the URI's query, or {@code null}. */
  static String value(String uri, String key) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : uri.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      if (k.equals(key)) {
        return eq < 0 ? "" : pair.substring(eq + 1);
      }
    }
    return null;
  }

  /** The scheme, lower case, or the empty string. */
  static String scheme(String uri) {
    int colon = uri.indexOf(':');
    return colon < 0 ? "" : uri.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * A URI for a group of its own, derived from {@code base}: {@code local:NAME} becomes {@code
   * local:NAME-label}; any other URI gets {@code job=JOB-label}, so a shared service (a
   * coordinator, Redis, ZooKeeper) keeps the groups apart.
   */
  static String fresh(String base, String label) {
    int colon = base.indexOf(':');
    if (colon > 0 && !base.startsWith("//", colon + 1)) {
      int q = base.indexOf('?');
      String head = q < 0 ? base : base.substring(0, q);
      String query = q < 0 ? "" : base.substring(q);
      String name = head.substring(colon + 1);
      return head.substring(0, colon + 1) + (name.isEmpty() ? "" : name + "-") + label + query;
    }
    String job = value(base, "job");
    return with(base, "job", (job == null || job.isEmpty() ? "conformance" : job) + "-" + label);
  }
}
