package io.muster.redis.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rank's heartbeat thread: every period it renews the rank's lease at Redis and hears which ranks
 * let theirs run out (lost) or left, all in one script call. It also runs the rank's other
 * background Redis calls (address lookups), so a rank has one such thread.
 */
final class Heartbeat {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  /** Hears what the heartbeat learns. Calls come from the heartbeat thread. */
  interface Listener {
    /** {@code rank}'s lease ran out. */
    void lost(int rank, String why);

    /** {@code rank} closed its bootstrap. */
    void left(int rank);

    /** This rank cannot go on: the job's state vanished, or the group declared it lost. */
    void failed(BootstrapException why);

    /** Redis cannot be reached (after bounded retries); the heartbeat keeps trying. */
    void unreachable(BootstrapException why);
  }

  private final RedisService service;
  private final JobSettings job;
  private final String instance;
  private final int rank;
  private final String who;
  private final boolean toInbox;
  private final ScheduledThreadPoolExecutor thread;
  private final List<Runnable> early = new ArrayList<>();
  private Listener listener;
  private long seen;
  private volatile boolean stopped;

  Heartbeat(
      RedisService service,
      JobSettings job,
      String instance,
      int rank,
      String who,
      boolean toInbox) {
    this.service = service;
    this.job = job;
    this.instance = instance;
    this.rank = rank;
    this.who = who;
    this.toInbox = toInbox;
    this.thread =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "muster-redis-heartbeat-" + job.job() + "-" + rank);
              t.setDaemon(true);
              return t;
            });
    thread.setRemoveOnCancelPolicy(true);
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  void start() {
    long period = job.heartbeat().toNanos();
    thread.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.NANOSECONDS);
  }

  /** Where news goes from now on; news heard before is handed over first. */
  void listen(Listener l) {
    List<Runnable> replay;
    synchronized (this) {
      listener = l;
      replay = new ArrayList<>(early);
      early.clear();
    }
    replay.forEach(Runnable::run);
  }

  private void tell(java.util.function.Consumer<Listener> news) {
    Listener l;
    synchronized (this) {
      l = listener;
      if (l == null) {
        early.add(() -> news.accept(listener));
        return;
      }
    }
    news.accept(l);
  }

  /** Runs a background Redis call on the heartbeat thread; {@code false} once stopped. */
  boolean execute(Runnable task) {
    try {
      thread.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private void tick() {
    if (stopped) {
      return;
    }
    Object reply;
    try {
      reply =
          service.script(
              Script.TICK,
              "renewing the heartbeat of rank " + rank,
              Deadline.after(Duration.ofMillis(job.leaseMillis()), "heartbeat"),
              List.of(job.groupKey()),
              List.of(
                  JobSettings.bytes(job.prefix()),
                  JobSettings.bytes(instance),
                  JobSettings.bytes(rank),
                  JobSettings.bytes(who),
                  JobSettings.bytes(seen),
                  JobSettings.bytes(job.leaseMillis()),
                  JobSettings.bytes(job.ttl().toMillis()),
                  JobSettings.bytes(toInbox ? "1" : "0")));
    } catch (BootstrapException e) {
      if (stopped) {
        return;
      }
      if (e.code() == Code.UNAVAILABLE) {
        tell(l -> l.unreachable(e));
      } else {
        log.warn("rank {} of {}: heartbeat failed: {}", rank, job.where(), e.getMessage());
      }
      return;
    } catch (RuntimeException e) {
      log.error("rank {} of {}: heartbeat failed unexpectedly", rank, job.where(), e);
      return;
    }
    List<?> r = (List<?>) reply;
    String status = text(r.get(0));
    if (status.equals("gone")) {
      stopped = true;
      thread.shutdown();
      tell(
          l ->
              l.failed(
                  new BootstrapException(
                      Code.UNAVAILABLE,
                      "the state of job '"
                          + job.job()
                          + "' vanished from Redis at "
                          + service.endpoint()
                          + " (was the server restarted or flushed, or its keys evicted?);"
                          + " restart the job")));
      return;
    }
    if (status.equals("dropped")) {
      stopped = true;
      thread.shutdown();
      tell(
          l ->
              l.failed(
                  new BootstrapException(
                      Code.PEER_LOST,
                      "rank "
                          + rank
                          + " of "
                          + job.where()
                          + " was declared lost: its heartbeat did not reach Redis for "
                          + job.leaseMillis()
                          + "ms (a long pause, or an overloaded Redis); restart the job",
                      List.of(rank))));
      return;
    }
    for (int i = 2; i < r.size(); i++) {
      seen++;
      String event = text(r.get(i));
      int colon = event.indexOf(':');
      int who;
      try {
        who = Integer.parseInt(event.substring(colon + 1));
      } catch (NumberFormatException e) {
        log.warn("rank {} of {}: ignoring the odd event '{}'", rank, job.where(), event);
        continue;
      }
      if (who == rank) {
        continue;
      }
      if (event.startsWith("left:")) {
        tell(l -> l.left(who));
      } else {
        tell(l -> l.lost(who, lostMessage(who)));
      }
    }
  }

  /** Why {@code peer} counts as lost. */
  String lostMessage(int peer) {
    return "rank "
        + peer
        + " of "
        + job.where()
        + " stopped renewing its heartbeat at Redis for "
        + job.leaseMillis()
        + "ms: the process died, hung, or lost its connection to Redis";
  }

  private static String text(Object o) {
    return o instanceof byte[] ? new String((byte[]) o, StandardCharsets.UTF_8) : String.valueOf(o);
  }

  /** Stops the thread, waiting a little for a call in progress. */
  void stop() {
    stopped = true;
    thread.shutdownNow();
    try {
      if (!thread.awaitTermination(2, TimeUnit.SECONDS)) {
        log.warn(
            "rank {} of {}: the heartbeat thread is still in a Redis call; it ends on its own",
            rank,
            job.where());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
