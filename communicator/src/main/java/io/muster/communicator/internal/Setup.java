package io.muster.communicator.internal;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes the communicator's futures in the background. Descriptor receives on one (peer, tag)
 * run one after another in call order, so the n-th receive gets the peer's n-th message on that tag
 * (the bootstrap keeps each (peer, tag) in send order); receives on different (peer, tag)s and the
 * work after them run in parallel. Threads are daemons, come and go with the work, and are
 * interrupted and joined at close.
 */
public final class Setup {
  private static final Logger log = LoggerFactory.getLogger(Setup.class);
  private static final CompletableFuture<byte[]> DONE = CompletableFuture.completedFuture(null);

  private final Bootstrap bootstrap;
  private final Duration timeout;
  private final String threadPrefix;
  private final ThreadPoolExecutor executor;
  private final ConcurrentHashMap<Long, CompletableFuture<byte[]>> tails =
      new ConcurrentHashMap<>();
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final Set<Thread> created =
      java.util.Collections.synchronizedSet(
          java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));
  private volatile BootstrapException closed;

  Setup(Bootstrap bootstrap, Duration timeout) {
    this.bootstrap = bootstrap;
    this.timeout = timeout;
    this.threadPrefix = "muster-communicator-r" + bootstrap.rank() + "-setup-";
    AtomicInteger count = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            10,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t =
                  new Thread(
                      () -> {
                        threads.add(Thread.currentThread());
                        try {
                          r.run();
                        } finally {
                          threads.remove(Thread.currentThread());
                        }
                      },
                      threadPrefix + count.incrementAndGet());
              t.setDaemon(true);
              created.add(t);
              return t;
            });
  }

  /**
   * Receives the next descriptor from {@code peer} on {@code tag}, after every earlier receive on
   * that (peer, tag) has finished.
   *
   * @param what the operation, for messages: {@code connect to rank 1 on tag 0}
   */
  public CompletableFuture<byte[]> receive(int peer, int tag, String what) {
    long key = ((long) peer << 32) | (tag & 0xFFFFFFFFL);
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    CompletableFuture<byte[]> previous = tails.put(key, result);
    (previous == null ? DONE : previous)
        .whenComplete((ignored, failure) -> run(result, () -> recv(peer, tag, what)));
    result.whenComplete((ignored, failure) -> tails.remove(key, result));
    return result;
  }

  private byte[] recv(int peer, int tag, String what) {
    try {
      return bootstrap.recv(peer, tag, timeout);
    } catch (BootstrapException e) {
      BootstrapException c = closed;
      if (c != null) {
        throw c;
      }
      throw new BootstrapException(e.code(), what + ": " + e.getMessage(), e.ranks(), e);
    }
  }

  /**
   * The future the user gets: {@code step} applied, on a setup thread, to what {@code received}
   * brings. It fails with the communicator's {@code CLOSED} error once the communicator closes.
   */
  public <T> CompletableFuture<T> then(
      CompletableFuture<byte[]> received, Function<byte[], T> step) {
    CompletableFuture<T> user = track(new CompletableFuture<>());
    received.whenComplete(
        (message, failure) -> {
          if (failure != null) {
            user.completeExceptionally(unwrap(failure));
          } else {
            run(user, () -> step.apply(message));
          }
        });
    return user;
  }

  /** Fails {@code future} with the communicator's {@code CLOSED} error if it closes first. */
  public <T> CompletableFuture<T> track(CompletableFuture<T> future) {
    pending.add(future);
    future.whenComplete((v, e) -> pending.remove(future));
    BootstrapException c = closed;
    if (c != null) {
      future.completeExceptionally(c);
    }
    return future;
  }

  /** Runs {@code work} on a setup thread and completes {@code target} with its outcome. */
  private <T> void run(CompletableFuture<T> target, java.util.function.Supplier<T> work) {
    Runnable task =
        () -> {
          BootstrapException c = closed;
          if (c != null) {
            target.completeExceptionally(c);
            return;
          }
          try {
            target.complete(work.get());
          } catch (Throwable t) {
            target.completeExceptionally(unwrap(t));
          }
        };
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      BootstrapException c = closed;
      target.completeExceptionally(
          c != null ? c : new BootstrapException(Code.INTERNAL, "setup thread refused", e));
    }
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Whether close has begun. */
  public BootstrapException closed() {
    return closed;
  }

  /** Fails every pending future with {@code cause}, interrupts the setup threads and joins them. */
  void close(BootstrapException cause) {
    closed = cause;
    for (CompletableFuture<?> f : List.copyOf(pending)) {
      f.completeExceptionally(cause);
    }
    executor.shutdownNow();
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      boolean done = executor.awaitTermination(5, TimeUnit.SECONDS);
      // The workers have finished their tasks; wait for the threads themselves to end, so none
      // outlives close.
      List<Thread> workers;
      synchronized (created) {
        workers = List.copyOf(created);
      }
      for (Thread t : workers) {
        long left = end - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
        done &= !t.isAlive();
      }
      if (!done) {
        List<String> stuck = new ArrayList<>();
        for (Thread t : threads) {
          stuck.add(
              t.getName() + " at " + (t.getStackTrace().length > 0 ? t.getStackTrace()[0] : "?"));
        }
        log.warn("communicator setup threads still running 5s after close: {}", stuck);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
