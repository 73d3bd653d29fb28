package io.muster.zookeeper.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What every rank of a job must agree on (size, whether ranks are assigned, the token's digest) and
 * who said so, for messages: the data of the job node (as its creator said) and of every rank's
 * node. Plain text, so {@code zkCli get} shows it.
 */
final class JobInfo {
  private static final String MAGIC = "muster-zk 1";

  final int size;
  final boolean assigned;
  final String tokenDigest;
  final String creator;

  JobInfo(int size, boolean assigned, String tokenDigest, String creator) {
    this.size = size;
    this.assigned = assigned;
    this.tokenDigest = tokenDigest;
    this.creator = creator;
  }

  byte[] encode() {
    return (MAGIC
            + "\nsize "
            + size
            + "\nranks "
            + (assigned ? "assigned" : "given")
            + "\ntoken "
            + tokenDigest
            + "\ncreator "
            + creator
            + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The job node's data, or {@code null} when it was not written by this backend. */
  static JobInfo decode(byte[] data) {
    if (data == null) {
      return null;
    }
    String[] lines = new String(data, StandardCharsets.UTF_8).split("\n");
    if (lines.length < 5 || !lines[0].equals(MAGIC)) {
      return null;
    }
    try {
      int size = Integer.parseInt(value(lines[1], "size"));
      String ranks = value(lines[2], "ranks");
      String token = value(lines[3], "token");
      String creator = value(lines[4], "creator");
      return new JobInfo(size, ranks.equals("assigned"), token, creator);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String value(String line, String key) {
    if (!line.startsWith(key + " ")) {
      throw new IllegalArgumentException(line);
    }
    return line.substring(key.length() + 1);
  }

  /**
   * A short digest of what ranks must agree on, put in every rank's node name: equal fingerprints
   * mean equal size, rank mode and token.
   */
  String fingerprint() {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest((size + " " + assigned + " " + tokenDigest).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  /**
   * Why {@code other} (described as {@code otherName}) and this cannot be in one job, or {@code
   * null} when they can.
   */
  String mismatch(JobInfo other, String otherName) {
    if (other.size != size) {
      return otherName
          + " has size "
          + other.size
          + " but "
          + creator
          + " has size "
          + size
          + ": give every rank the same size";
    }
    if (!other.tokenDigest.equals(tokenDigest)) {
      return otherName
          + " and "
          + creator
          + " present different tokens: give every rank the same token (token= or"
          + " MUSTER_TOKEN)";
    }
    if (other.assigned != assigned) {
      return otherName
          + (other.assigned ? " asks for an assigned rank (rank=-1)" : " gives its rank")
          + " but "
          + creator
          + (assigned ? " asks for an assigned one" : " gives its rank")
          + ": either every rank gives its rank or every rank passes rank=-1";
    }
    return null;
  }
}
