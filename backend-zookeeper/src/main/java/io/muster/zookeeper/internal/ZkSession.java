package io.muster.zookeeper.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import io.muster.spi.Durations;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rank's ZooKeeper session, through a Curator client. It counts changes (watch events and
 * reconnections) so that waiting code can sleep until something happened and then look again, and
 * it turns the end of the session (Curator's LOST) into one {@code UNAVAILABLE} cause, reported to
 * whoever listens.
 */
final class ZkSession {
  private static final Logger log = LoggerFactory.getLogger(ZkSession.class);
  private static final AtomicInteger clients = new AtomicInteger();

  /** Bounds on closing: Curator's executors, then ZooKeeper's threads. */
  private static final int CLOSE_WAIT_MS = 1000;

  private final CuratorFramework client;
  private final Settings settings;
  private final Object signal = new Object();
  private long changes; // guarded by signal
  private volatile boolean connected;
  private volatile BootstrapException lost;
  private final List<Consumer<BootstrapException>> lostListeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> reconnectListeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Any watch event means "look again". */
  final Watcher watcher = event -> changed();

  private ZkSession(Settings settings, CuratorFramework client) {
    this.settings = settings;
    this.client = client;
  }

  /**
   * Connects to the ensemble.
   *
   * @throws BootstrapException {@code UNAVAILABLE} when no server answers in time
   */
  static ZkSession connect(Settings settings, Deadline deadline) {
    long waitMillis =
        Math.max(1, Math.min(settings.connect().toMillis(), deadline.nanosLeft() / 1_000_000));
    ZKClientConfig config = new ZKClientConfig();
    // no JAAS configuration means no SASL; saying so spares a failed attempt and its warning
    config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
    int id = clients.incrementAndGet();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "muster-zk-" + id);
          t.setDaemon(true);
          return t;
        };
    CuratorFrameworkFactory.Builder b =
        CuratorFrameworkFactory.builder()
            .connectString(settings.connectString())
            .sessionTimeoutMs((int) Math.min(Integer.MAX_VALUE, settings.session().toMillis()))
            // an operation waits this long for a lost connection to come back, then fails and
            // the caller waits for the reconnection itself, within its own deadline
            .connectionTimeoutMs((int) Math.min(waitMillis, 2000))
            .retryPolicy(new RetryNTimes(0, 0))
            .ensembleTracker(false)
            .zkClientConfig(config)
            .threadFactory(threads)
            .maxCloseWaitMs(CLOSE_WAIT_MS)
            .waitForShutdownTimeoutMs(CLOSE_WAIT_MS)
            .aclProvider(acls(settings));
    if (settings.auth() != null) {
      b.authorization("digest", settings.auth().getBytes(StandardCharsets.UTF_8));
    }
    ZkSession s = new ZkSession(settings, b.build());
    s.client.getConnectionStateListenable().addListener((c, state) -> s.stateChanged(state));
    s.client.start();
    boolean up;
    try {
      up = s.client.blockUntilConnected((int) waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.close();
      throw new BootstrapException(
          Code.CLOSED, "interrupted while connecting to ZooKeeper for " + settings.where());
    }
    if (!up) {
      s.close();
      throw new BootstrapException(
          Code.UNAVAILABLE,
          "no ZooKeeper server of "
              + settings.connectString()
              + " answered within "
              + Durations.format(Duration.ofMillis(waitMillis))
              + " (opening "
              + settings.where()
              + "): is the ensemble running, and are the hosts and ports right?");
    }
    s.connected = true;
    return s;
  }

  /** With digest credentials, the job's nodes belong to that identity; the root stays open. */
  private static ACLProvider acls(Settings settings) {
    boolean secured = settings.auth() != null;
    return new ACLProvider() {
      @Override
      public List<ACL> getDefaultAcl() {
        return ZooDefs.Ids.OPEN_ACL_UNSAFE;
      }

      @Override
      public List<ACL> getAclForPath(String path) {
        boolean jobOrBelow =
            path.equals(settings.jobPath()) || path.startsWith(settings.jobPath() + "/");
        return secured && jobOrBelow ? ZooDefs.Ids.CREATOR_ALL_ACL : ZooDefs.Ids.OPEN_ACL_UNSAFE;
      }
    };
  }

  private void stateChanged(ConnectionState state) {
    switch (state) {
      case SUSPENDED:
        connected = false;
        log.info(
            "lost the connection to ZooKeeper ({}) for {}; waiting for it to come back within"
                + " the session timeout",
            settings.connectString(),
            settings.where());
        break;
      case RECONNECTED:
        connected = true;
        if (lost == null) {
          log.info("reconnected to ZooKeeper for {}; the session survived", settings.where());
          reconnectListeners.forEach(Runnable::run);
        }
        break;
      case LOST:
        connected = false;
        if (!closed.get()) {
          sessionEnded();
        }
        break;
      case CONNECTED:
        connected = true;
        break;
      default:
        break;
    }
    changed();
  }

  private void sessionEnded() {
    BootstrapException cause =
        new BootstrapException(
            Code.UNAVAILABLE,
            "this rank's ZooKeeper session with "
                + settings.connectString()
                + " ended (ZooKeeper expired it, or no server was reachable for longer than the"
                + " session timeout of "
                + Durations.format(negotiatedTimeout())
                + "), so the rank is out of "
                + settings.where()
                + " and the others count it as lost; restart the job once ZooKeeper is"
                + " reachable");
    synchronized (this) {
      if (lost != null) {
        return;
      }
      lost = cause;
    }
    log.warn(cause.getMessage());
    lostListeners.forEach(l -> l.accept(cause));
  }

  /** Wakes whoever waits for a change. */
  void changed() {
    synchronized (signal) {
      changes++;
      signal.notifyAll();
    }
  }

  /** The change count; pass it to {@link #await} to sleep until it moves. */
  long changes() {
    synchronized (signal) {
      return changes;
    }
  }

  /**
   * Waits until the change count moves past {@code seen} or {@code deadline} passes.
   *
   * @return false at the deadline
   */
  boolean await(long seen, Deadline deadline) {
    synchronized (signal) {
      while (changes == seen) {
        long left = deadline.nanosLeft();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(signal, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BootstrapException(Code.CLOSED, "interrupted in " + deadline.operation());
        }
      }
      return true;
    }
  }

  CuratorFramework client() {
    return client;
  }

  boolean connected() {
    return connected && lost == null;
  }

  /** The cause once the session has ended, or {@code null}. */
  BootstrapException lost() {
    return lost;
  }

  /** Calls {@code listener} once the session ends (at once if it has). */
  void onLost(Consumer<BootstrapException> listener) {
    lostListeners.add(listener);
    BootstrapException l = lost;
    if (l != null && lostListeners.remove(listener)) {
      listener.accept(l);
    }
  }

  /** Calls {@code listener} after each reconnection within the same session. */
  void onReconnected(Runnable listener) {
    reconnectListeners.add(listener);
  }

  long sessionId() {
    try {
      return client.getZookeeperClient().getZooKeeper().getSessionId();
    } catch (Exception e) {
      return 0;
    }
  }

  Duration negotiatedTimeout() {
    try {
      int ms = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
      if (ms > 0) {
        return Duration.ofMillis(ms);
      }
    } catch (Exception e) {
      log.debug("no session timeout yet", e);
    }
    return settings.session();
  }

  /** A background operation's outcome, within {@code untilNanos}; {@code null} when late. */
  static CuratorEvent await(CompletableFuture<CuratorEvent> f, long untilNanos)
      throws InterruptedException {
    try {
      return f.get(Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The code of a finished background operation, as an exception when it failed. */
  static void check(CuratorEvent e, String path) throws KeeperException {
    KeeperException.Code code = KeeperException.Code.get(e.getResultCode());
    if (code != KeeperException.Code.OK) {
      throw KeeperException.create(code, path);
    }
  }

  /** Ends the session; ZooKeeper deletes its ephemeral nodes. Bounded, idempotent. */
  void close() {
    if (closed.compareAndSet(false, true)) {
      // an interrupted close would drop the connection without ending the session, leaving this
      // rank's node for a whole session timeout: set the flag aside until the end
      boolean interrupted = Thread.interrupted();
      try {
        client.close();
      } catch (RuntimeException e) {
        log.debug("closing the ZooKeeper client for {}", settings.where(), e);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
