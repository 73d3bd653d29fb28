package io.muster.zookeeper.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
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
    try {
      CompletableFuture<CuratorEvent> f = new CompletableFuture<>();
      zk.delete().inBackground((c, e) -> f.complete(e)).forPath(path);
      CuratorEvent e = ZkSession.await(f, untilNanos);
      return e != null && e.getResultCode() == KeeperException.Code.OK.intValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      log.debug("deleting {}: {}", path, e.toString());
      return false;
    }
  }

  /** Runs {@code ops} as one transaction; false when it failed or did not finish in time. */
  static boolean transaction(CuratorFramework zk, List<CuratorOp> ops, long untilNanos) {
    try {
      CompletableFuture<CuratorEvent> f = new CompletableFuture<>();
      zk.transaction().inBackground((c, e) -> f.complete(e)).forOperations(ops);
      CuratorEvent e = ZkSession.await(f, untilNanos);
      return e != null && e.getResultCode() == KeeperException.Code.OK.intValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      log.debug("transaction {}: {}", ops, e.toString());
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
      CompletableFuture<CuratorEvent> f = new CompletableFuture<>();
      zk.getChildren().inBackground((c, e) -> f.complete(e)).forPath(job);
      CuratorEvent e = ZkSession.await(f, untilNanos);
      if (e == null || e.getResultCode() != KeeperException.Code.OK.intValue()) {
        return;
      }
      List<String> children = e.getChildren();
      if (new Znodes.Children(children).anyoneAlive()) {
        return;
      }
      CompletableFuture<CuratorEvent> g = new CompletableFuture<>();
      zk.getData().inBackground((c, ev) -> g.complete(ev)).forPath(job);
      CuratorEvent data = ZkSession.await(g, untilNanos);
      if (data == null
          || data.getResultCode() != KeeperException.Code.OK.intValue()
          || JobInfo.decode(data.getData()) == null) {
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
    CompletableFuture<CuratorEvent> f = new CompletableFuture<>();
    zk.checkExists().inBackground((c, e) -> f.complete(e)).forPath(settings.root());
    CuratorEvent e = ZkSession.await(f, untilNanos);
    Stat s = e == null ? null : e.getStat();
    if (s != null && s.getNumChildren() == 0) {
      // if another job was created under it meanwhile, ZooKeeper refuses: it is not empty
      CompletableFuture<CuratorEvent> d = new CompletableFuture<>();
      zk.delete().inBackground((c, ev) -> d.complete(ev)).forPath(settings.root());
      ZkSession.await(d, untilNanos);
    }
  }
}
