package io.muster.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * What every rank of a job must agree on, and where the job's keys live: all of them under {@code
 * muster:{JOB}:} (the braces keep them in one Redis Cluster slot).
 *
 * @param job the job's name
 * @param where how messages name the job, such as {@code redis://10.0.0.5:6379 job 'train'}
 * @param tokenDigest a digest of the shared token (never the token), or {@code -} without one
 * @param transport {@code tcp} or {@code redis}
 * @param heartbeat how often a rank renews its lease; three missed renewals mean lost
 * @param ttl how long the job's keys outlive the last renewal
 */
public record JobSettings(
    String job,
    String where,
    String tokenDigest,
    String transport,
    Duration heartbeat,
    Duration ttl) {

  public static String digest(String job, String token) {
    if (token == null || token.isEmpty()) {
      return "-";
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(("muster-redis\0" + job + "\0").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }

  /** How the job's connections show in {@code CLIENT LIST}. */
  String clientName() {
    return "muster:" + job;
  }

  /** The prefix of every key of the job. */
  String prefix() {
    return "muster:{" + job + "}:";
  }

  byte[] groupKey() {
    return bytes(prefix() + "group");
  }

  /** A key of one instance of the job's group. */
  byte[] key(String instance, String name) {
    return bytes(prefix() + instance + ":" + name);
  }

  long leaseMillis() {
    return 3 * heartbeat.toMillis();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(long n) {
    return bytes(Long.toString(n));
  }
}
