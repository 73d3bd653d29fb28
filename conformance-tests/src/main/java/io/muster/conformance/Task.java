package io.muster.conformance;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A call on a thread of its own whose result is awaited with a bound, so a call that hangs fails
 * the test with the stack it hangs in instead of hanging the build. The thread is a daemon: a call
 * that never returns is left behind, never waited for.
 */
final class Task<T> {
  private final Thread thread;
  private final CountDownLatch done = new CountDownLatch(1);
  private final long startNanos = System.nanoTime();
  private volatile long endNanos;
  private volatile T value;
  private volatile Throwable error;

  private Task(String name, Callable<T> body) {
    thread =
        new Thread(
            () -> {
              try {
                value = body.call();
              } catch (Throwable t) {
                error = t;
              } finally {
                endNanos = System.nanoTime();
                done.countDown();
              }
            },
            "conformance-" + name);
    thread.setDaemon(true);
  }

  static <T> Task<T> start(String name, Callable<T> body) {
    Task<T> t = new Task<>(name, body);
    t.thread.start();
    return t;
  }

  static Task<Void> run(String name, Steps body) {
    return start(
        name,
        () -> {
          body.run();
          return null;
        });
  }

  /** Runs {@code body} and returns its result, failing if it takes longer than {@code limit}. */
  static <T> T call(String what, Duration limit, Callable<T> body) throws Exception {
    return start("call", body).get(what, limit);
  }

  /** A body that returns nothing and may throw. */
  @FunctionalInterface
  interface Steps {
    void run() throws Exception;
  }

  boolean await(Duration limit) throws InterruptedException {
    return done.await(limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  boolean isDone() {
    return done.getCount() == 0;
  }

  /** How long the call ran (so far, if it is still running). */
  Duration elapsed() {
    return Duration.ofNanos((isDone() ? endNanos : System.nanoTime()) - startNanos);
  }

  /** The result, or the call's exception rethrown; fails if the call is not done within limit. */
  T get(String what, Duration limit) throws Exception {
    if (!await(limit)) {
      throw new AssertionError(
          what
              + " did not return within "
              + limit.toMillis()
              + " ms; it is stuck at:\n"
              + stack(thread));
    }
    return result();
  }

  /** The exception the call threw, or null; fails if the call is not done within limit. */
  Throwable failure(String what, Duration limit) throws InterruptedException {
    if (!await(limit)) {
      throw new AssertionError(
          what
              + " did not end within "
              + limit.toMillis()
              + " ms; it is stuck at:\n"
              + stack(thread));
    }
    return error;
  }

  private T result() throws Exception {
    Throwable e = error;
    if (e == null) {
      return value;
    }
    if (e instanceof Exception) {
      throw (Exception) e;
    }
    if (e instanceof Error) {
      throw (Error) e;
    }
    throw new AssertionError(e);
  }

  static String stack(Thread t) {
    return Arrays.stream(t.getStackTrace())
        .map(e -> "    at " + e)
        .collect(Collectors.joining("\n", "  \"" + t.getName() + "\"\n", ""));
  }
}
