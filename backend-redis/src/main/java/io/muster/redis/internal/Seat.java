package io.muster.redis.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A rank's place in its job's group on Redis. {@link #join} claims it in one atomic script (a given
 * rank, or the next free one for rank -1), checks that size, token and transport agree with the
 * ranks already there, and waits on a blocking pop until the last rank completes the group or any
 * rank reports a conflict; a rank never polls. The seat then keeps a heartbeat lease, and {@link
 * #leave} gives it up (the last rank out deletes the job's keys).
 */
final class Seat {
  private static final Logger log = LoggerFactory.getLogger(Seat.class);

  /** The longest single blocking pop, so a silently vanished server is noticed. */
  static final double WAIT_SLICE_SECONDS = 5.0;

  private final RedisService service;
  private final JobSettings job;
  private final int rank;
  private final int size;
  private final String instance;
  private final String who;
  private final Heartbeat heartbeat;

  private Seat(
      RedisService service,
      JobSettings job,
      int rank,
      int size,
      String instance,
      String who,
      boolean toInbox) {
    this.service = service;
    this.job = job;
    this.rank = rank;
    this.size = size;
    this.instance = instance;
    this.who = who;
    this.heartbeat = new Heartbeat(service, job, instance, rank, who, toInbox);
  }

  /**
   * Joins the job's group and waits until it is complete.
   *
   * @param rank the rank asked for, or -1 to have one assigned
   * @param address what the others need to reach this rank ({@code HOST:PORT}, or empty)
   * @param toInbox whether the heartbeat copies news of lost and left ranks into the inbox
   * @throws BootstrapException {@code CONFIG} on a conflict (every waiting rank gets it), {@code
   *     TIMEOUT} naming the ranks that never came, {@code UNAVAILABLE} when Redis cannot be reached
   */
  static Seat join(
      RedisService service,
      JobSettings job,
      int rank,
      int size,
      String address,
      boolean toInbox,
      Deadline deadline) {
    String who = nonce() + "|" + describeProcess();
    Object reply =
        service.script(
            Script.JOIN,
            "joining job '" + job.job() + "'",
            deadline,
            List.of(job.groupKey()),
            List.of(
                JobSettings.bytes(job.prefix()),
                JobSettings.bytes(rank),
                JobSettings.bytes(size),
                JobSettings.bytes(job.tokenDigest()),
                JobSettings.bytes(job.transport()),
                JobSettings.bytes(address),
                JobSettings.bytes(who),
                JobSettings.bytes(nonce()),
                JobSettings.bytes(job.leaseMillis()),
                JobSettings.bytes(job.ttl().toMillis())));
    List<?> r = (List<?>) reply;
    if (text(r.get(0)).equals("fail")) {
      throw conflict(job, text(r.get(1)));
    }
    if (text(r.get(0)).equals("busy")) {
      throw new BootstrapException(
          Code.CONFIG,
          "cannot join "
              + job.where()
              + ": "
              + text(r.get(1))
              + "; give this job another name, or wait for that one to end");
    }
    Seat seat =
        new Seat(service, job, ((Long) r.get(1)).intValue(), size, text(r.get(2)), who, toInbox);
    seat.heartbeat.start();
    try {
      seat.awaitGroup(deadline);
      return seat;
    } catch (RuntimeException e) {
      seat.heartbeat.stop();
      seat.giveUp(TimeUnit.SECONDS.toNanos(2));
      throw e;
    }
  }

  private static BootstrapException conflict(JobSettings job, String problem) {
    return new BootstrapException(
        Code.CONFIG,
        "conflicting configuration in "
            + job.where()
            + ": "
            + problem
            + ". Start every rank of a job with the same size, token and transport, each rank"
            + " once");
  }

  /** Blocks on this rank's wake-up list until the group is complete or has failed. */
  private void awaitGroup(Deadline deadline) {
    byte[] go = job.key(instance, "go:" + rank);
    String what = "waiting for the other ranks of job '" + job.job() + "'";
    Connection connection = null;
    try {
      while (true) {
        long left = deadline.nanosLeft();
        if (left <= 0) {
          throw timeout(deadline);
        }
        if (Thread.currentThread().isInterrupted()) {
          throw new BootstrapException(Code.CLOSED, "interrupted while " + what);
        }
        if (connection == null) {
          connection = service.connect(what, deadline);
        }
        double seconds = Math.max(0.001, Math.min(WAIT_SLICE_SECONDS, left / 1e9));
        byte[] signal;
        try {
          signal = RedisService.blockingPop(connection, go, seconds);
        } catch (JedisException e) {
          BootstrapException why = service.translate(e, what);
          if (why.code() != Code.UNAVAILABLE) {
            throw why;
          }
          connection.close();
          connection = null;
          checkStillThere(what, deadline); // retries the connection a bounded number of times
          continue;
        }
        if (signal == null) {
          continue;
        }
        if (signal.length == 1 && signal[0] == 'G') {
          return;
        }
        String failure = service.call(what, deadline, c -> c.hget(text(job.groupKey()), "failure"));
        throw conflict(job, failure == null ? "another rank reported a conflict" : failure);
      }
    } finally {
      if (connection != null) {
        connection.close();
      }
    }
  }

  private void checkStillThere(String what, Deadline deadline) {
    String current = service.call(what, deadline, c -> c.hget(text(job.groupKey()), "instance"));
    if (!instance.equals(current)) {
      throw new BootstrapException(
          Code.UNAVAILABLE,
          "the state of job '"
              + job.job()
              + "' vanished from Redis at "
              + service.endpoint()
              + " while rank "
              + rank
              + " was "
              + what
              + " (was the server restarted or flushed?); start the job again");
    }
  }

  private BootstrapException timeout(Deadline deadline) {
    List<Integer> missing = new ArrayList<>();
    try {
      Set<String> joined = // every rank that came, even if it has given up since
          service.call(
              "listing the ranks that joined",
              Deadline.after(Duration.ofSeconds(2), "listing"),
              c -> c.smembers(text(job.key(instance, "came"))));
      Set<Integer> present = new TreeSet<>();
      joined.forEach(s -> present.add(Integer.parseInt(s)));
      for (int i = 0; i < size && missing.size() < 64; i++) {
        if (!present.contains(i)) {
          missing.add(i);
        }
      }
    } catch (RuntimeException e) {
      log.debug("could not list the ranks that joined {}", job.where(), e);
    }
    return deadline.timeoutError(
        missing,
        size,
        (missing.isEmpty() ? "the group did not complete" : "they never joined")
            + " job '"
            + job.job()
            + "' at "
            + service.endpoint()
            + "; check that every rank runs, with the same job name and Redis address");
  }

  /** Gives the seat back after a failed open (the last rank out deletes the job's keys). */
  private void giveUp(long nanos) {
    try {
      runLeave(nanos);
    } catch (RuntimeException e) {
      log.debug("rank {} could not give back its seat in {}", rank, job.where(), e);
    }
  }

  private void runLeave(long nanos) {
    service.script(
        Script.LEAVE,
        "leaving job '" + job.job() + "'",
        Deadline.after(Duration.ofNanos(nanos), "leave"),
        List.of(job.groupKey()),
        List.of(
            JobSettings.bytes(job.prefix()),
            JobSettings.bytes(instance),
            JobSettings.bytes(rank),
            JobSettings.bytes(who)));
  }

  /** Leaves on purpose: the others hear it left, and the last one out deletes the job's keys. */
  void leave(long nanos) {
    heartbeat.stop();
    try {
      runLeave(nanos);
    } catch (RuntimeException e) {
      log.warn(
          "rank {} could not tell Redis it left {} ({}); its keys expire after {}",
          rank,
          job.where(),
          e.getMessage(),
          io.muster.spi.Durations.format(job.ttl()));
    }
  }

  /** Stops the heartbeat without telling anyone, as a dying process would. */
  void abort() {
    heartbeat.stop();
  }

  /** The listening addresses of {@code ranks} (those Redis knows). */
  Map<Integer, InetSocketAddress> addressesOf(Collection<Integer> ranks, Deadline deadline) {
    Map<Integer, InetSocketAddress> out = new HashMap<>();
    if (ranks.isEmpty()) {
      return out;
    }
    List<Integer> asked = new ArrayList<>(ranks);
    String[] fields = asked.stream().map(String::valueOf).toArray(String[]::new);
    List<String> values =
        service.call(
            "looking up the addresses of ranks of job '" + job.job() + "'",
            deadline,
            c -> c.hmget(text(job.key(instance, "members")), fields));
    for (int i = 0; i < asked.size(); i++) {
      InetSocketAddress a = RedisMembership.parse(values.get(i));
      if (a != null) {
        out.put(asked.get(i), a);
      }
    }
    return out;
  }

  /** How many ranks of the group listen on {@code host} (an IP as the addresses show it). */
  int ranksOn(String host, Deadline deadline) {
    String n =
        service.call(
            "counting the ranks on this host",
            deadline,
            c -> c.hget(text(job.key(instance, "hosts")), host));
    return n == null ? 1 : Math.max(1, Integer.parseInt(n));
  }

  int rank() {
    return rank;
  }

  int size() {
    return size;
  }

  String instance() {
    return instance;
  }

  JobSettings job() {
    return job;
  }

  RedisService service() {
    return service;
  }

  Heartbeat heartbeat() {
    return heartbeat;
  }

  /**
   * 64 bits that tell one join (or one group instance) from another: they need to be unique, not
   * secret, so this stays clear of SecureRandom and its costly start in a fresh JVM.
   */
  private static String nonce() {
    long bits =
        ThreadLocalRandom.current().nextLong()
            ^ System.nanoTime()
            ^ (ProcessHandle.current().pid() << 40);
    return HexFormat.of().toHexDigits(bits);
  }

  private static String describeProcess() {
    return ThisProcess.DESCRIPTION;
  }

  /** Looked up once: the host name may need a DNS query. */
  private static final class ThisProcess {
    static final String DESCRIPTION = "pid " + ProcessHandle.current().pid() + " on " + host();

    private static String host() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        return "unknown-host";
      }
    }
  }

  static String text(Object o) {
    return o instanceof byte[] ? new String((byte[]) o, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
