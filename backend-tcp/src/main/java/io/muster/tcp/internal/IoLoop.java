package io.muster.tcp.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one selector thread of this JVM, shared by every rank and coordinator in it, so thousands of
 * ranks can live in one process. Other threads only enqueue work and wake it; it owns every
 * registration. It runs while anyone holds it ({@link #acquire}/{@link #release}) and stops, its
 * thread joined, when the last holder lets go.
 */
public final class IoLoop {
  private static final Logger log = LoggerFactory.getLogger(IoLoop.class);

  /** How often timers run when nothing else wakes the loop. */
  private static final long TICK_MILLIS = 100;

  /** How often they run while a link's reading is lent to a spinning receiver. */
  private static final long FAST_TICK_MILLIS = 1;

  private static final Object LOCK = new Object();

  /** Times any loop of this JVM came back from select: a measure of thread wake-ups. */
  private static volatile long turns;

  private static IoLoop shared;

  /** Something the loop calls back when its channel is ready. */
  public interface Handler {
    void ready(SelectionKey key) throws IOException;

    /** The loop failed this handler (its callback threw, or the loop is stopping). */
    void failed(Exception cause);
  }

  /** Periodic work: heartbeats, handshake and rendezvous deadlines. */
  public interface Timer {
    void tick(long nowNanos);
  }

  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final CopyOnWriteArrayList<Timer> timers = new CopyOnWriteArrayList<>();
  private final java.util.PriorityQueue<Delayed> delayed = new java.util.PriorityQueue<>();
  private long delayedSeq;
  private volatile int fastTicks;
  private int holders;
  private volatile boolean running = true;

  private IoLoop() {
    try {
      selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector", e);
    }
    thread = new Thread(this::run, "muster-io");
    thread.setDaemon(true);
    thread.start();
  }

  /** How many times the I/O loop has woken up in this JVM (for benchmarks and diagnostics). */
  public static long turns() {
    return turns;
  }

  /** Takes a hold on the shared loop, starting it if needed. */
  public static IoLoop acquire() {
    synchronized (LOCK) {
      if (shared == null) {
        shared = new IoLoop();
      }
      shared.holders++;
      return shared;
    }
  }

  /** Lets go of a hold; the last one stops the loop and joins its thread. */
  public void release() {
    synchronized (LOCK) {
      if (--holders > 0) {
        return;
      }
      shared = null;
      running = false;
    }
    selector.wakeup();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        log.warn(
            "the muster-io thread did not stop within 10s; it is a daemon and will not block exit");
      }
    }
  }

  /** Whether the caller is the loop's own thread. */
  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on the loop thread, soon. */
  public void execute(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  /** Runs {@code task} on the loop thread and returns its result (directly when on the loop). */
  public <T> T call(java.util.concurrent.Callable<T> task) throws IOException {
    if (inLoop()) {
      try {
        return task.call();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
    if (!thread.isAlive()) {
      throw new IOException("the muster-io loop has stopped");
    }
    java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
    execute(
        () -> {
          try {
            f.complete(task.call());
          } catch (Throwable t) {
            f.completeExceptionally(t);
          }
        });
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for muster-io");
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("muster-io did not run a task within 30s", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException) {
        throw (IOException) c;
      }
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      throw new IOException(c);
    }
  }

  /** Wakes the loop so it applies changed interest sets. */
  public void wakeup() {
    selector.wakeup();
  }

  /** Registers {@code channel}; call on the loop thread. */
  public SelectionKey register(SelectableChannel channel, int ops, Handler handler)
      throws IOException {
    channel.configureBlocking(false);
    return channel.register(selector, ops, handler);
  }

  /** A task to run on the loop at a given time. */
  private static final class Delayed implements Comparable<Delayed> {
    final long at;
    final long seq;
    final Runnable task;

    Delayed(long at, long seq, Runnable task) {
      this.at = at;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public int compareTo(Delayed o) {
      int c = Long.compare(at - o.at, 0);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  /** Runs {@code task} on the loop thread after {@code delayNanos}. */
  public void schedule(Runnable task, long delayNanos) {
    long at = System.nanoTime() + delayNanos;
    execute(() -> delayed.add(new Delayed(at, delayedSeq++, task)));
  }

  public void addTimer(Timer t) {
    timers.add(t);
  }

  public void removeTimer(Timer t) {
    timers.remove(t);
  }

  /** Ask for millisecond ticks while some link's reading is lent out; balanced by {@link #slow}. */
  void fast() {
    synchronized (this) {
      fastTicks++;
    }
  }

  void slow() {
    synchronized (this) {
      fastTicks--;
    }
  }

  private void run() {
    long nextTick = System.nanoTime();
    while (running) {
      try {
        long wait = fastTicks > 0 ? FAST_TICK_MILLIS : TICK_MILLIS;
        Delayed first = delayed.peek();
        if (first != null) {
          long until = TimeUnit.NANOSECONDS.toMillis(first.at - System.nanoTime()) + 1;
          wait = Math.max(1, Math.min(wait, until));
        }
        if (tasks.isEmpty()) {
          selector.select(wait);
        } else {
          selector.selectNow();
        }
        turns++; // only the loop thread writes it
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          dispatch(key);
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.error("a muster-io task failed", e);
          }
        }
        long now = System.nanoTime();
        while (!delayed.isEmpty() && now - delayed.peek().at >= 0) {
          try {
            delayed.poll().task.run();
          } catch (RuntimeException e) {
            log.error("a delayed muster-io task failed", e);
          }
        }
        if (now - nextTick >= 0 || fastTicks > 0) {
          nextTick = now + TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
          for (Timer t : timers) {
            try {
              t.tick(now);
            } catch (RuntimeException e) {
              log.error("a muster-io timer failed", e);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        log.error("muster-io loop error; carrying on", e);
      } catch (Error e) {
        // The loop must outlive a handler's error (say, no heap left for a huge frame): every
        // rank in this JVM depends on it.
        log.error("muster-io loop error; carrying on", e);
      }
    }
    shutdown();
  }

  private void dispatch(SelectionKey key) {
    Handler h = (Handler) key.attachment();
    try {
      if (key.isValid()) {
        h.ready(key);
      }
    } catch (CancelledKeyException e) {
      // closed under us: nothing left to do for it
    } catch (IOException | RuntimeException e) {
      h.failed(e);
    } catch (OutOfMemoryError e) {
      h.failed(new IOException("out of memory handling this connection: " + e.getMessage(), e));
    }
  }

  private void shutdown() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.debug("task during shutdown failed", e);
      }
    }
    for (SelectionKey key : selector.keys()) {
      if (!key.isValid()) {
        continue; // closed by its owner; the selector just has not dropped it yet
      }
      log.warn(
          "a channel was still open when the last holder released muster-io: {}", key.attachment());
      try {
        ((Handler) key.attachment()).failed(new IOException("the muster-io loop stopped"));
      } catch (RuntimeException e) {
        log.debug("handler failed during shutdown", e);
      }
      try {
        key.channel().close();
      } catch (IOException e) {
        log.debug("closing a channel during shutdown", e);
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      log.debug("closing the selector", e);
    }
  }
}
