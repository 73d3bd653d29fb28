package io.muster.zookeeper.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removing what a rank wrote, on close or after a failed open. Every step is a background operation
 * waited for until a deadline, so closing stays bounded when ZooKeeper is slow or gone; what is
 * left then is removed by the next run of the job (a job node no live rank holds) or by ZooKeeper
 * (job nodes and roots are container nodes, which it deletes once empty).
 */
final class Cleanup {
  private static final Logger log = LoggerFactory.getLogger(Cleanup.class);

  private Cleanup() {}

  /** Deletes one node; false when that did not happen in time (or at all). */
  static boolean delete(CuratorFramework zk, String path, long untilNanos) {
    return succeeds(
        "deleting " + path, untilNanos, done -> zk.delete().inBackground(done).forPath(path));
  }

  /** Runs {@code ops} as one transaction; false when it failed or did not finish in time. */
  static boolean transaction(CuratorFramework zk, List<CuratorOp> ops, long untilNanos) {
    return succeeds(
        "transaction " + ops,
        untilNanos,
        done -> zk.transaction().inBackground(done).forOperations(ops));
  }

  /** Starts a background operation that reports to {@code done}. */
  @FunctionalInterface
  private interface Background {
    void start(BackgroundCallback done) throws Exception;
  }

  /** Runs {@code op} and waits for its event until {@code untilNanos}; null when none came. */
  private static CuratorEvent await(Background op, long untilNanos) throws Exception {
    CompletableFuture<CuratorEvent> f = new CompletableFuture<>();
    op.start((client, event) -> f.complete(event));
    return ZkSession.await(f, untilNanos);
  }

  private static boolean ok(CuratorEvent e) {
    return e != null && e.getResultCode() == KeeperException.Code.OK.intValue();
  }

  /** Whether {@code op} succeeded in time; failures are only logged, as clean-up is best effort. */
  private static boolean succeeds(String what, long untilNanos, Background op) {
    try {
      return ok(await(op, untilNanos));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      log.debug("{}: {}", what, e.toString());
      return false;
    }
  }

  /**
   * Deletes the job node with its markers when no rank holds a node in it any more (this was the
   * last rank), then the root if it is an empty container. Safe against a rank entering meanwhile:
   * the deletion is one transaction, which fails if a child appeared.
   */
  static void removeJobIfOver(CuratorFramework zk, Settings settings, long untilNanos) {
    String job = settings.jobPath();
    try {
      CuratorEvent e = await(done -> zk.getChildren().inBackground(done).forPath(job), untilNanos);
      if (!ok(e)) {
        return;
      }
      List<String> children = e.getChildren();
      if (new Znodes.Children(children).anyoneAlive()) {
        return;
      }
      CuratorEvent data = await(done -> zk.getData().inBackground(done).forPath(job), untilNanos);
      if (!ok(data) || JobInfo.decode(data.getData()) == null) {
        return; // gone already, or not a job node of ours
      }
      List<CuratorOp> ops = new ArrayList<>();
      ops.add(zk.transactionOp().check().withVersion(data.getStat().getVersion()).forPath(job));
      for (String child : children) {
        ops.add(zk.transactionOp().delete().forPath(job + "/" + child));
      }
      ops.add(zk.transactionOp().delete().forPath(job));
      if (transaction(zk, ops, untilNanos)) {
        log.debug("{}: removed the job node, as its last rank", settings.where());
        removeRootIfEmpty(zk, settings, untilNanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.debug("{}: removing the job node: {}", settings.where(), e.toString());
    }
  }

  /**
   * Deletes the default root when it is empty. A root named in the URI is left alone: it may be
   * someone's; if this backend made it, it is a container node, which ZooKeeper reaps once empty.
   */
  private static void removeRootIfEmpty(CuratorFramework zk, Settings settings, long untilNanos)
      throws Exception {
    if (!settings.root().equals(Settings.DEFAULT_ROOT)) {
      return;
    }
    CuratorEvent e =
        await(done -> zk.checkExists().inBackground(done).forPath(settings.root()), untilNanos);
    Stat s = e == null ? null : e.getStat();
    if (s != null && s.getNumChildren() == 0) {
      // if another job was created under it meanwhile, ZooKeeper refuses: it is not empty
      await(done -> zk.delete().inBackground(done).forPath(settings.root()), untilNanos);
    }
  }
}
