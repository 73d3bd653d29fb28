package io.muster.zookeeper.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The children of a job node, by name, so that one {@code getChildren} tells a rank everything it
 * waits for:
 *
 * <ul>
 *   <li>{@code rank-R@HOST:PORT~F}: ephemeral, rank R (given) listens at HOST:PORT; F is the
 *       fingerprint of its configuration (size, rank mode, token), so every rank sees every other
 *       rank's disagreement without reading any data;
 *   <li>{@code seq@HOST:PORT~F#0000000007}: ephemeral sequential, a rank waiting to be assigned
 *       one;
 *   <li>{@code roster}: which {@code seq@} nodes became ranks 0..N-1, one name per line;
 *   <li>{@code left-R}: rank R closed on purpose (its ephemeral node vanishing without it means its
 *       session ended: the process died or lost ZooKeeper for longer than the session timeout);
 *   <li>{@code gaveup-R}: rank R's open timed out before the group formed: it was there, so the
 *       others do not name it among the missing when they time out in turn;
 *   <li>{@code conflict}: a rank found the configuration inconsistent; the data says how.
 * </ul>
 */
final class Znodes {
  static final String ROSTER = "roster";
  static final String CONFLICT = "conflict";
  private static final String RANK = "rank-";
  private static final String SEQ = "seq@";
  private static final String LEFT = "left-";
  private static final String GAVE_UP = "gaveup-";

  private Znodes() {}

  static String member(int rank, InetSocketAddress address, String fingerprint) {
    return RANK + rank + "@" + text(address) + "~" + fingerprint;
  }

  /** The prefix of a sequential node; ZooKeeper appends ten digits. */
  static String candidate(InetSocketAddress address, String fingerprint) {
    return SEQ + text(address) + "~" + fingerprint + "#";
  }

  /** The configuration fingerprint in a member's or candidate's name, or "" when none. */
  static String fingerprintOf(String name) {
    int tilde = name.lastIndexOf('~');
    if (tilde < 0) {
      return "";
    }
    int hash = name.indexOf('#', tilde);
    return hash < 0 ? name.substring(tilde + 1) : name.substring(tilde + 1, hash);
  }

  /** The {@code HOST:PORT} in a member's or candidate's name. */
  static String addressTextOf(String name) {
    int at = name.indexOf('@');
    int tilde = name.lastIndexOf('~');
    return name.substring(at + 1, tilde > at ? tilde : name.length());
  }

  static String left(int rank) {
    return LEFT + rank;
  }

  static String gaveUp(int rank) {
    return GAVE_UP + rank;
  }

  static String text(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    String host = ip.getHostAddress();
    if (ip instanceof Inet6Address) {
      int zone = host.indexOf('%');
      host = "[" + (zone >= 0 ? host.substring(0, zone) : host) + "]";
    }
    return host + ":" + a.getPort();
  }

  /** {@code HOST:PORT} back to an address, or {@code null} when it is not one. */
  static InetSocketAddress address(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      // a literal address: no lookup happens
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
  }

  /** One parse of a job node's children. */
  static final class Children {
    /** Given ranks: rank to the names claiming it (more than one is a conflict). */
    final Map<Integer, List<String>> members = new TreeMap<>();

    /** Candidates for assignment, by sequence number. */
    final TreeMap<Long, String> candidates = new TreeMap<>();

    final Set<Integer> left = new HashSet<>();
    final Set<Integer> gaveUp = new HashSet<>();
    final Set<String> names;
    final boolean conflict;
    final boolean roster;

    Children(List<String> children) {
      names = new HashSet<>(children);
      conflict = names.contains(CONFLICT);
      roster = names.contains(ROSTER);
      for (String name : children) {
        if (name.startsWith(RANK)) {
          int at = name.indexOf('@');
          Integer r = at > 0 ? integer(name.substring(RANK.length(), at)) : null;
          if (r != null) {
            members.computeIfAbsent(r, k -> new ArrayList<>()).add(name);
          }
        } else if (name.startsWith(SEQ)) {
          int hash = name.lastIndexOf('#');
          if (hash > 0) {
            try {
              candidates.put(Long.parseLong(name.substring(hash + 1)), name);
            } catch (NumberFormatException ignored) {
              // not ours
            }
          }
        } else if (name.startsWith(LEFT)) {
          Integer r = integer(name.substring(LEFT.length()));
          if (r != null) {
            left.add(r);
          }
        } else if (name.startsWith(GAVE_UP)) {
          Integer r = integer(name.substring(GAVE_UP.length()));
          if (r != null) {
            gaveUp.add(r);
          }
        }
      }
    }

    /** Whether any rank still holds its ephemeral node (otherwise the job is over or dead). */
    boolean anyoneAlive() {
      return !members.isEmpty() || !candidates.isEmpty();
    }

    private static Integer integer(String s) {
      try {
        return Integer.valueOf(s);
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  /** The address in a member's or candidate's name. */
  static InetSocketAddress addressOf(String name) {
    return name.indexOf('@') < 0 ? null : address(addressTextOf(name));
  }

  /** Names to addresses, skipping any that do not parse. */
  static Map<Integer, InetSocketAddress> addresses(String[] names) {
    Map<Integer, InetSocketAddress> out = new HashMap<>();
    for (int r = 0; r < names.length; r++) {
      InetSocketAddress a = names[r] == null ? null : addressOf(names[r]);
      if (a != null) {
        out.put(r, a);
      }
    }
    return out;
  }
}
