package io.muster.internal.local;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The ranks of one {@code local:NAME} group while they gather, then while they run. */
final class LocalGroup {
  /** Groups still gathering, by name; a group leaves this map once complete or failed. */
  private static final ConcurrentHashMap<String, LocalGroup> GATHERING = new ConcurrentHashMap<>();

  private final String name;
  private final int size;
  private final String job;
  private final byte[] tokenDigest;
  private final LocalBootstrap[] members;
  private int joined;
  private BootstrapException failure;

  private LocalGroup(String name, int size, String job, String token) {
    this.name = name;
    this.size = size;
    this.job = job;
    this.tokenDigest = digest(token);
    this.members = new LocalBootstrap[size];
  }

  static LocalBootstrap join(
      String name, int rank, int size, String job, String token, Duration timeout) {
    Deadline deadline = Deadline.after(timeout, "open of local:" + name);
    while (true) {
      LocalGroup g = GATHERING.computeIfAbsent(name, n -> new LocalGroup(n, size, job, token));
      synchronized (g) {
        if (GATHERING.get(name) != g) {
          continue; // completed or failed just now: a fresh group takes this name
        }
        return g.joinLocked(rank, size, job, token, deadline);
      }
    }
  }

  private LocalBootstrap joinLocked(
      int rank, int askedSize, String askedJob, String token, Deadline deadline) {
    String conflict = null;
    if (askedSize != size) {
      conflict = "size " + askedSize + " asked, but the group was opened with size " + size;
    } else if (!askedJob.equals(job)) {
      conflict = "job '" + askedJob + "' asked, but the group belongs to job '" + job + "'";
    } else if (!MessageDigest.isEqual(digest(token), tokenDigest)) {
      conflict = "the token differs from the one the group was opened with";
    } else if (rank >= 0 && members[rank] != null) {
      conflict = "rank " + rank + " is claimed twice";
    }
    if (conflict != null) {
      fail(
          new BootstrapException(
              Code.CONFIG,
              "inconsistent configuration for local:" + name + ": " + conflict,
              rank >= 0 && rank < size ? List.of(rank) : List.of()));
      throw failure;
    }
    if (rank < 0) {
      rank = 0;
      while (members[rank] != null) {
        rank++;
      }
    }
    LocalBootstrap me = new LocalBootstrap(this, rank, size, deadline.timeout());
    members[rank] = me;
    joined++;
    if (joined == size) {
      GATHERING.remove(name, this);
      notifyAll();
      return me;
    }
    while (joined < size && failure == null) {
      long left = deadline.nanosLeft();
      if (left <= 0) {
        // The group cannot complete without this rank, so every rank waiting learns the same,
        // true list of absent ranks (leaving one by one would name those that left first).
        fail(
            deadline.timeoutError(
                missing(),
                size,
                (missing().size() == 1 ? "it" : "they")
                    + " never opened local:"
                    + name
                    + " in this JVM"));
        throw failure;
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        members[rank] = null;
        joined--;
        throw new BootstrapException(Code.CLOSED, "interrupted while opening local:" + name);
      }
    }
    if (failure != null) {
      throw failure;
    }
    return me;
  }

  private void fail(BootstrapException e) {
    failure = e;
    GATHERING.remove(name, this);
    notifyAll();
  }

  private List<Integer> missing() {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (members[i] == null) {
        out.add(i);
      }
    }
    return out;
  }

  /** The member at {@code rank}; the group is complete once any member exists outside join. */
  synchronized LocalBootstrap member(int rank) {
    return members[rank];
  }

  String name() {
    return name;
  }

  /** Tells every other member that {@code rank} has left. */
  void left(int rank) {
    LocalBootstrap[] all;
    synchronized (this) {
      all = members.clone();
    }
    BootstrapException gone =
        new BootstrapException(
            Code.PEER_LOST,
            "rank " + rank + " of local:" + name + " has closed its bootstrap",
            List.of(rank));
    for (LocalBootstrap m : all) {
      if (m != null && m.rank() != rank) {
        m.peerLeft(rank, gone);
      }
    }
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(Objects.toString(token, "").getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
