package io.muster.zookeeper.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.Deadline;
import io.muster.spi.Durations;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.Backgroundable;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.Pathable;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rank joining its job node. The protocol, in ZooKeeper operations:
 *
 * <ol>
 *   <li>Enter: read the job node and its children (one round trip). If it is missing, create it (a
 *       container holding the size, the rank mode and the token's digest) together with this rank's
 *       ephemeral node in one transaction, so a job node never exists without a live rank; a rank
 *       that loses that race enters at once and compares the data on its first listing. If it
 *       exists, compare: a mismatch is written to a {@code conflict} child, which fails every
 *       waiting rank with {@code CONFIG}. A job node with no live rank is left over from an earlier
 *       run and is replaced. Otherwise create this rank's node, checked against the job node's
 *       version.
 *   <li>Wait: list the children with a watch, decide, and sleep until the watch (or a reconnection)
 *       fires; then list again. Deciding is repeatable, so spurious or coalesced wake-ups are
 *       harmless. A rank's {@code left-R} marker counts as joined: it joined, opened and closed
 *       before this rank looked.
 *   <li>With {@code rank=-1}, ranks register sequential nodes instead; the first rank to see {@code
 *       size} of them writes the {@code roster} (create-if-absent, so exactly one wins), and ranks
 *       are positions in it, in order of arrival.
 * </ol>
 */
final class Gathering {
  private static final Logger log = LoggerFactory.getLogger(Gathering.class);
  private static volatile String hostName;

  private final Settings settings;
  private final ZkSession session;
  private final CuratorFramework zk;
  private final int rank;
  private final int size;
  private final boolean assigned;
  private final InetSocketAddress listening;
  private final Deadline deadline;
  private final String jobPath;
  private final JobInfo mine;
  private final String fingerprint;

  /** This rank's node, once created. */
  private String me;

  /** Whether this rank entered a job node whose data it has not compared with its own yet. */
  private boolean unchecked;

  /** With {@code rank=-1}: the node names that became ranks, once known. */
  private List<String> roster;

  /** What the last look found missing, for the timeout message. */
  private List<Integer> missing = List.of();

  private int joined;

  /** Whether this rank's open ran out of time (rather than failing otherwise). */
  private boolean timedOut;

  Gathering(
      Settings settings,
      ZkSession session,
      int rank,
      int size,
      InetSocketAddress listening,
      Deadline deadline) {
    this.settings = settings;
    this.session = session;
    this.zk = session.client();
    this.rank = rank;
    this.size = size;
    this.assigned = rank < 0;
    this.listening = listening;
    this.deadline = deadline;
    this.jobPath = settings.jobPath();
    this.mine = new JobInfo(size, assigned, settings.tokenDigest(), who());
    this.fingerprint = mine.fingerprint();
  }

  /** Returns once every rank has joined. */
  ZkMembership run() {
    while (true) {
      long seen = session.changes();
      BootstrapException lost = session.lost();
      if (lost != null) {
        throw new BootstrapException(lost.code(), lost.getMessage() + " (during open)", lost);
      }
      if (deadline.expired()) {
        throw expired();
      }
      try {
        if (me == null) {
          me = enter();
        }
        CompletableFuture<CuratorEvent> info = unchecked ? background(zk.getData(), jobPath) : null;
        List<String> children = zk.getChildren().usingWatcher(session.watcher).forPath(jobPath);
        if (info != null) {
          String why = decode(succeeded(finished(info)).getData()).mismatch(mine, who());
          if (why != null) {
            throw conflict(why);
          }
          unchecked = false;
        }
        ZkMembership done = decide(new Znodes.Children(children));
        if (done != null) {
          return done;
        }
        if (me == null) {
          continue; // this rank's node is gone: enter again at once
        }
      } catch (KeeperException.NoNodeException e) {
        log.debug("{}: {} vanished; joining again", settings.where(), e.getPath());
        me = null;
        roster = null;
        continue;
      } catch (KeeperException.ConnectionLossException e) {
        log.debug("{}: connection lost during rendezvous; waiting for it", settings.where());
      } catch (KeeperException.SessionExpiredException e) {
        continue; // LOST follows; the check above reports it
      } catch (KeeperException.NoAuthException e) {
        throw new BootstrapException(
            Code.CONFIG,
            "ZooKeeper refused access to "
                + e.getPath()
                + " for "
                + settings.where()
                + ": the job was created with other credentials; give every rank the same"
                + " user:password (in the URI or MUSTER_ZK_AUTH)",
            e);
      } catch (KeeperException e) {
        throw new BootstrapException(
            Code.UNAVAILABLE,
            "ZooKeeper failed an operation on "
                + e.getPath()
                + " for "
                + settings.where()
                + ": "
                + e,
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BootstrapException(Code.CLOSED, "interrupted in " + deadline.operation());
      } catch (BootstrapException e) {
        throw e;
      } catch (Exception e) {
        throw new BootstrapException(
            Code.INTERNAL, "rendezvous at " + settings.where() + " failed: " + e, e);
      }
      if (!session.await(seen, deadline)) {
        throw expired();
      }
    }
  }

  // ------------------------------------------------------------------ entering

  /** Creates this rank's node, and the job node when there is none; returns the node's name. */
  private String enter() throws Exception {
    while (true) {
      if (deadline.expired()) {
        throw expired();
      }
      // the data and the children in one round trip: ZooKeeper answers in order
      CompletableFuture<CuratorEvent> read = background(zk.getData(), jobPath);
      List<String> children;
      try {
        children = zk.getChildren().forPath(jobPath);
      } catch (KeeperException.NoNodeException e) {
        children = null;
      }
      CuratorEvent got = finished(read);
      if (got.getResultCode() == KeeperException.Code.NONODE.intValue() || children == null) {
        String created = create();
        if (created != null) {
          return created;
        }
        continue;
      }
      succeeded(got);
      Stat stat = got.getStat();
      byte[] data = got.getData();
      JobInfo job = decode(data);
      Znodes.Children c = new Znodes.Children(children);
      if (!c.anyoneAlive()) {
        removeStale(children, stat.getVersion());
        continue;
      }
      String why = job.mismatch(mine, who());
      if (why == null) {
        why = disagreement(c);
      }
      if (why == null) {
        why = conflicts(c);
      }

      if (why != null) {
        throw conflict(why);
      }
      if (c.conflict) {
        throw reported();
      }
      String earlier = findMine(c);
      if (earlier != null) {
        return earlier; // an earlier attempt succeeded, but its answer was lost with the connection
      }
      try {
        List<CuratorTransactionResult> r =
            zk.transaction()
                .forOperations(
                    zk.transactionOp().check().withVersion(stat.getVersion()).forPath(jobPath),
                    createMine());
        return ZKPaths.getNodeFromPath(r.get(1).getResultPath());
      } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
        continue; // the job node was replaced meanwhile
      } catch (KeeperException.NodeExistsException e) {
        if (assigned) {
          throw e;
        }
        // our exact name but not our session: a dead process's node, with the address we now hold
        zk.delete().forPath(jobPath + "/" + Znodes.member(rank, listening, fingerprint));
      }
    }
  }

  /** Creates the job node with this rank's node; {@code null} when someone else was first. */
  private String create() throws Exception {
    CuratorOp job =
        zk.transactionOp().create().withMode(CreateMode.CONTAINER).forPath(jobPath, mine.encode());
    try {
      List<CuratorTransactionResult> r = zk.transaction().forOperations(job, createMine());
      log.debug("{}: created the job node", settings.where());
      return ZKPaths.getNodeFromPath(r.get(1).getResultPath());
    } catch (KeeperException.NodeExistsException e) {
      // another rank created it a moment ago (so it is no left-over): enter now, and compare its
      // data with ours on the first listing, which costs no extra round trip
      try {
        List<CuratorTransactionResult> r =
            zk.transaction()
                .forOperations(
                    zk.transactionOp().check().withVersion(-1).forPath(jobPath), createMine());
        unchecked = true;
        return ZKPaths.getNodeFromPath(r.get(1).getResultPath());
      } catch (KeeperException.NoNodeException | KeeperException.NodeExistsException again) {
        return null; // gone again, or our exact name left by a dead process: start over
      }
    } catch (KeeperException.NoNodeException e) {
      zk.createContainers(settings.root());
      return null;
    }
  }

  private CuratorOp createMine() throws Exception {
    if (assigned) {
      return zk.transactionOp()
          .create()
          .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
          .forPath(jobPath + "/" + Znodes.candidate(listening, fingerprint), mine.encode());
    }
    return zk.transactionOp()
        .create()
        .withMode(CreateMode.EPHEMERAL)
        .forPath(jobPath + "/" + Znodes.member(rank, listening, fingerprint), mine.encode());
  }

  /** This session's node among {@code c}, if a create went through unanswered. */
  private String findMine(Znodes.Children c) throws Exception {
    List<String> candidates = new ArrayList<>();
    if (assigned) {
      String prefix = Znodes.candidate(listening, fingerprint);
      for (String n : c.candidates.values()) {
        if (n.startsWith(prefix)) {
          candidates.add(n);
        }
      }
    } else {
      candidates.add(Znodes.member(rank, listening, fingerprint));
    }
    long id = session.sessionId();
    for (String n : candidates) {
      if (c.names.contains(n)) {
        Stat s = zk.checkExists().forPath(jobPath + "/" + n);
        if (s != null && s.getEphemeralOwner() == id) {
          return n;
        }
      }
    }
    return null;
  }

  /** Deletes a job node that no live rank holds any more (a finished or killed earlier run). */
  private void removeStale(List<String> children, int version) throws Exception {
    List<CuratorOp> ops = new ArrayList<>();
    ops.add(zk.transactionOp().check().withVersion(version).forPath(jobPath));
    for (String child : children) {
      ops.add(zk.transactionOp().delete().forPath(jobPath + "/" + child));
    }
    ops.add(zk.transactionOp().delete().forPath(jobPath));
    try {
      zk.transaction().forOperations(ops);
      log.info(
          "{}: removed the job node an earlier run left behind (no live rank held it)",
          settings.where());
    } catch (KeeperException.BadVersionException
        | KeeperException.NoNodeException
        | KeeperException.NotEmptyException e) {
      log.debug("{}: the earlier job node changed meanwhile: {}", settings.where(), e.toString());
    }
  }

  /** Starts a read in the background, so that it shares a round trip with the next one. */
  private static CompletableFuture<CuratorEvent> background(
      Backgroundable<? extends Pathable<?>> op, String path) throws Exception {
    CompletableFuture<CuratorEvent> f = new CompletableFuture<>();
    op.inBackground((c, e) -> f.complete(e)).forPath(path);
    return f;
  }

  /** The outcome of a background operation, waited for until the deadline. */
  private CuratorEvent finished(CompletableFuture<CuratorEvent> f) throws InterruptedException {
    CuratorEvent e = ZkSession.await(f, deadline.endNanos());
    if (e == null) {
      throw expired();
    }
    return e;
  }

  /** {@code e}, or its failure as the exception a synchronous call would have thrown. */
  private static CuratorEvent succeeded(CuratorEvent e) throws KeeperException {
    ZkSession.check(e, e.getPath());
    return e;
  }

  private JobInfo decode(byte[] data) {
    JobInfo job = JobInfo.decode(data);
    if (job == null) {
      throw new BootstrapException(
          Code.CONFIG,
          "the ZooKeeper node "
              + jobPath
              + " exists but is not a muster job node (something else wrote it): pick another"
              + " job name or root for "
              + settings.where());
    }
    return job;
  }

  // ------------------------------------------------------------------ deciding

  /**
   * Decides from one listing: the membership once every rank is there, {@code null} to wait (or,
   * with {@link #me} reset, to enter again).
   */
  private ZkMembership decide(Znodes.Children c) throws Exception {
    if (c.conflict) {
      throw reported();
    }
    String why = disagreement(c);
    if (why == null) {
      why = conflicts(c);
    }
    if (why != null) {
      throw conflict(why);
    }
    if (!c.names.contains(me)) {
      log.debug("{}: this rank's node {} is gone; entering again", settings.where(), me);
      me = null;
      return null;
    }
    return assigned ? decideAssigned(c) : decideGiven(c);
  }

  private ZkMembership decideGiven(Znodes.Children c) {
    String[] names = new String[size];
    List<Integer> absent = new ArrayList<>();
    List<Integer> gaveUp = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      List<String> claims = c.members.get(r);
      if (claims != null) {
        names[r] = claims.get(0);
      } else if (c.gaveUp.contains(r)) {
        gaveUp.add(r); // it came, but its timeout passed: not among the missing
      } else if (!c.left.contains(r)) {
        absent.add(r);
      }
    }
    missing = absent;
    joined = size - absent.size();
    if (!absent.isEmpty()) {
      return null;
    }
    if (!gaveUp.isEmpty()) {
      throw new BootstrapException(
          Code.TIMEOUT,
          deadline.operation()
              + " cannot complete: "
              + (gaveUp.size() == 1 ? "rank " + gaveUp.get(0) : "ranks " + gaveUp)
              + " of "
              + size
              + " timed out waiting for the others and gave up; restart the job with a longer"
              + " timeout",
          gaveUp);
    }
    return new ZkMembership(settings, session, rank, size, names);
  }

  private ZkMembership decideAssigned(Znodes.Children c) throws Exception {
    if (roster == null) {
      if (!c.roster) {
        joined = c.candidates.size();
        if (c.candidates.size() < size) {
          return null;
        }
        List<String> first = new ArrayList<>(c.candidates.values()).subList(0, size);
        try {
          zk.create()
              .withMode(CreateMode.PERSISTENT)
              .forPath(
                  jobPath + "/" + Znodes.ROSTER,
                  String.join("\n", first).getBytes(StandardCharsets.UTF_8));
        } catch (KeeperException.NodeExistsException e) {
          // another rank wrote it first: that one counts
        }
      }
      byte[] data = zk.getData().forPath(jobPath + "/" + Znodes.ROSTER);
      roster = Arrays.asList(new String(data, StandardCharsets.UTF_8).split("\n"));
    }
    int assignedRank = roster.indexOf(me);
    if (assignedRank < 0) {
      throw new BootstrapException(
          Code.CONFIG,
          "inconsistent configuration in "
              + settings.where()
              + ": the job already has its "
              + size
              + " ranks (assigned in order of arrival) and this process came too late; start"
              + " exactly "
              + size
              + " processes, or use another job name");
    }
    String[] names = new String[size];
    for (int r = 0; r < size; r++) {
      String n = roster.get(r);
      if (c.names.contains(n)) {
        names[r] = n;
      } else if (!c.left.contains(r)) {
        throw new BootstrapException(
            Code.PEER_LOST,
            "rank "
                + r
                + " of "
                + settings.where()
                + " (at "
                + Znodes.text(Znodes.addressOf(n))
                + ") ended its ZooKeeper session while the group formed: its process died",
            List.of(r));
      }
    }
    return new ZkMembership(settings, session, assignedRank, size, names);
  }

  /**
   * Why a rank in {@code c} cannot be in one job with this one (its fingerprint differs), or {@code
   * null}. Every rank sees every other's fingerprint, so no rank completes beside a disagreeing
   * one.
   */
  private String disagreement(Znodes.Children c) throws Exception {
    List<String> all = new ArrayList<>(c.candidates.values());
    c.members.values().forEach(all::addAll);
    for (String n : all) {
      if (Znodes.fingerprintOf(n).equals(fingerprint)) {
        continue;
      }
      JobInfo theirs;
      try {
        theirs = JobInfo.decode(zk.getData().forPath(jobPath + "/" + n));
      } catch (KeeperException.NoNodeException e) {
        continue; // gone already
      }
      String why = theirs == null ? null : theirs.mismatch(mine, who());
      return why != null
          ? why
          : "the process at "
              + Znodes.addressTextOf(n)
              + " has a different size, token or rank mode than "
              + who();
    }
    return null;
  }

  /** A conflict among the given ranks, or {@code null}. */
  private String conflicts(Znodes.Children c) {
    if (assigned) {
      return null;
    }
    for (Map.Entry<Integer, List<String>> e : c.members.entrySet()) {
      int r = e.getKey();
      List<String> claims = e.getValue();
      if (r < 0 || r >= size) {
        return "a node claims rank " + r + ", outside 0.." + (size - 1) + " (" + claims + ")";
      }
      if (claims.size() > 1) {
        List<String> at = new ArrayList<>();
        for (String n : claims) {
          at.add(Znodes.addressTextOf(n));
        }
        return "rank "
            + r
            + " is claimed twice, by the processes listening at "
            + String.join(" and ", at)
            + ": give each process its own rank (or rank=-1 to have them assigned)";
      }
      if (c.left.contains(r)) {
        return "rank "
            + r
            + " already joined this job and closed: a group with this job name has formed"
            + " already; wait until it ends, or pick another job name";
      }
    }
    return null;
  }

  /** Tells every waiting rank about the conflict, and fails this one. */
  private BootstrapException conflict(String why) {
    try {
      zk.create()
          .withMode(CreateMode.PERSISTENT)
          .forPath(jobPath + "/" + Znodes.CONFLICT, why.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      log.debug("{}: could not record the conflict: {}", settings.where(), e.toString());
    }
    return new BootstrapException(
        Code.CONFIG, "inconsistent configuration in " + settings.where() + ": " + why);
  }

  /** The conflict another rank found. */
  private BootstrapException reported() {
    String why;
    try {
      why =
          new String(zk.getData().forPath(jobPath + "/" + Znodes.CONFLICT), StandardCharsets.UTF_8);
    } catch (Exception e) {
      why = "another rank found the ranks' configurations inconsistent";
    }
    return new BootstrapException(
        Code.CONFIG, "inconsistent configuration in " + settings.where() + ": " + why);
  }

  private BootstrapException expired() {
    if (!session.connected()) {
      return new BootstrapException(
          Code.UNAVAILABLE,
          "lost the connection to ZooKeeper ("
              + settings.connectString()
              + ") during "
              + deadline.operation()
              + ", and it did not come back within "
              + Durations.format(deadline.timeout())
              + ": is the ensemble up and has it a quorum?",
          missing);
    }
    if (assigned && roster == null) {
      return deadline.timeoutError(
          List.of(),
          size,
          joined
              + " of "
              + size
              + " processes have joined; start the others with the same job, root and ensemble");
    }
    timedOut = true;
    return deadline.timeoutError(
        missing,
        size,
        "they have not joined; check that they run with the same job, root and ZooKeeper"
            + " ensemble");
  }

  // ------------------------------------------------------------------ giving up

  /** After a failed open: removes this rank's node, and the job node if no rank is left. */
  void abandon(long untilNanos) {
    String name = me;
    if (name != null) {
      boolean marked = false;
      if (timedOut && !assigned) {
        // say it came and gave up, so ranks timing out later name only the ones that never came
        try {
          marked =
              Cleanup.transaction(
                  zk,
                  List.of(
                      zk.transactionOp().delete().forPath(jobPath + "/" + name),
                      zk.transactionOp()
                          .create()
                          .forPath(jobPath + "/" + Znodes.gaveUp(rank), new byte[0])),
                  untilNanos);
        } catch (Exception e) {
          log.debug("{}: could not mark rank {} as given up: {}", settings.where(), rank, e);
        }
      }
      if (!marked) {
        Cleanup.delete(zk, jobPath + "/" + name, untilNanos);
      }
    }
    Cleanup.removeJobIfOver(zk, settings, untilNanos);
  }

  // ------------------------------------------------------------------ naming

  private String who() {
    return (assigned ? "a process asking for a rank" : "rank " + rank)
        + " at "
        + Znodes.text(listening)
        + " ("
        + host()
        + ", pid "
        + ProcessHandle.current().pid()
        + ")";
  }

  private static String host() {
    String h = hostName;
    if (h == null) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        h = "unknown-host";
      }
      hostName = h;
    }
    return h;
  }
}
