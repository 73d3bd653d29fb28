package io.muster.zookeeper.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Durations;
import io.muster.tcp.Membership;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rank's place in a formed {@code zk://} group: every address (from the node names), and a watch
 * on the job node's children that turns a vanished rank node into {@code left} (its {@code left-R}
 * marker is there) or {@code lost} (it is not: the rank's session ended). Losing its own session,
 * or its own node, fails this rank with {@code UNAVAILABLE}.
 */
final class ZkMembership implements Membership {
  private static final Logger log = LoggerFactory.getLogger(ZkMembership.class);

  private final Settings settings;
  private final ZkSession session;
  private final CuratorFramework zk;
  private final int rank;
  private final int size;
  private final String[] names;
  private final Map<Integer, InetSocketAddress> addresses;
  private final boolean[] gone; // guarded by this
  private final Watcher childWatcher;
  private volatile Listener listener;
  private volatile boolean leaving;
  private boolean failed; // guarded by this

  ZkMembership(Settings settings, ZkSession session, int rank, int size, String[] names) {
    this.settings = settings;
    this.session = session;
    this.zk = session.client();
    this.rank = rank;
    this.size = size;
    this.names = names.clone();
    this.addresses = Map.copyOf(Znodes.addresses(names));
    this.gone = new boolean[size];
    this.childWatcher =
        event -> {
          if (event.getType() != Watcher.Event.EventType.None) {
            watch();
          }
        };
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Map<Integer, InetSocketAddress> addresses() {
    return addresses;
  }

  @Override
  public void lookup(int peer, Consumer<InetSocketAddress> then) {
    then.accept(addresses.get(peer)); // every address came with the rendezvous
  }

  @Override
  public void listen(Listener l) {
    this.listener = l;
    session.onLost(this::fail);
    session.onReconnected(this::watch); // a listing may have failed while disconnected
    watch();
  }

  /** Lists the job node's children and sets the watch that calls this again on a change. */
  private void watch() {
    if (leaving) {
      return;
    }
    try {
      zk.getChildren().usingWatcher(childWatcher).inBackground((c, e) -> listed(e)).forPath(path());
    } catch (Exception e) {
      log.debug("{}: watching the job node: {}", settings.where(), e.toString());
    }
  }

  private void listed(CuratorEvent e) {
    if (leaving) {
      return;
    }
    KeeperException.Code code = KeeperException.Code.get(e.getResultCode());
    switch (code) {
      case OK:
        compare(e.getChildren());
        break;
      case NONODE:
        fail(
            new BootstrapException(
                Code.UNAVAILABLE,
                "the job node "
                    + path()
                    + " of "
                    + settings.where()
                    + " was deleted under the running group; this rank is out of it"));
        break;
      case CONNECTIONLOSS:
      case SESSIONEXPIRED:
      case SESSIONMOVED:
        break; // a reconnection lists again; a lost session is reported on its own
      default:
        log.warn("{}: listing the job node failed: {}", settings.where(), code);
    }
  }

  /** Reports the ranks whose nodes are gone since the last look. */
  private synchronized void compare(List<String> children) {
    Listener l = listener;
    if (l == null || leaving) {
      return;
    }
    Set<String> present = new HashSet<>(children);
    if (!present.contains(names[rank])) {
      fail(
          new BootstrapException(
              Code.UNAVAILABLE,
              "this rank's node in "
                  + settings.where()
                  + " is gone (its ZooKeeper session was replaced or the node deleted), so the"
                  + " others count it as lost; restart the job"));
      return;
    }
    for (int r = 0; r < size; r++) {
      if (r == rank || gone[r] || (names[r] != null && present.contains(names[r]))) {
        continue;
      }
      gone[r] = true;
      if (present.contains(Znodes.left(r))) {
        l.left(r);
      } else {
        l.lost(
            r,
            "rank "
                + r
                + " of "
                + settings.where()
                + (addresses.containsKey(r) ? " (at " + Znodes.text(addresses.get(r)) + ")" : "")
                + " lost its ZooKeeper session: its process died, or it could not reach"
                + " ZooKeeper for the session timeout of "
                + Durations.format(session.negotiatedTimeout()));
      }
    }
  }

  private synchronized void fail(BootstrapException cause) {
    Listener l = listener;
    if (failed || leaving || l == null) {
      return;
    }
    failed = true;
    log.warn("rank {}: {}", rank, cause.getMessage());
    l.failed(cause);
  }

  /** Marks this rank as left and removes its node in one step, then the job if it was last. */
  @Override
  public void leave(long nanos) {
    leaving = true;
    long until = System.nanoTime() + nanos;
    boolean interrupted = Thread.interrupted(); // closing goes on regardless; restored below
    try {
      if (session.lost() == null) {
        boolean marked =
            Cleanup.transaction(
                zk,
                List.of(
                    zk.transactionOp()
                        .create()
                        .forPath(path() + "/" + Znodes.left(rank), new byte[0]),
                    zk.transactionOp().delete().forPath(path() + "/" + names[rank])),
                until);
        if (marked) {
          Cleanup.removeJobIfOver(zk, settings, until);
        } else {
          log.info(
              "rank {}: could not mark {} as left in time; the others will see it as lost",
              rank,
              settings.where());
        }
      }
    } catch (Exception e) {
      log.debug("rank {}: leaving {}: {}", rank, settings.where(), e.toString());
    } finally {
      session.close();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Ends the session without a marker: the others see this rank as lost, as after a crash. */
  @Override
  public void abort() {
    leaving = true;
    session.close();
  }

  @Override
  public int sockets() {
    return session.lost() == null && !leaving ? 1 : 0;
  }

  private String path() {
    return settings.jobPath();
  }
}
