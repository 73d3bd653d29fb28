package io.muster.tcp;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.tcp.internal.CoordinatorServer;
import io.muster.tcp.internal.IoLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A standalone rendezvous coordinator for {@code tcp://HOST:PORT?coordinator=external} groups, as
 * {@code muster coordinator} runs it. It serves any number of jobs at once (told apart by their
 * {@code job=} name) and lets ranks ask for {@code rank=-1}.
 */
public final class Coordinator implements AutoCloseable {
  private final IoLoop loop;
  private final CoordinatorServer server;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private Coordinator(IoLoop loop, CoordinatorServer server) {
    this.loop = loop;
    this.server = server;
  }

  /**
   * Starts listening at {@code bind} (port 0 picks a free one).
   *
   * @param token the shared secret ranks must present, or {@code null}
   * @throws BootstrapException {@code CONFIG} when the address cannot be bound
   */
  public static Coordinator start(InetSocketAddress bind, String token) {
    IoLoop loop = IoLoop.acquire();
    try {
      CoordinatorServer server =
          CoordinatorServer.start(
              loop, bind, token, null, 0, Duration.ofSeconds(1), System.nanoTime(), loop::release);
      return new Coordinator(loop, server);
    } catch (IOException | RuntimeException e) {
      loop.release();
      throw new BootstrapException(
          Code.CONFIG,
          "cannot start a coordinator on "
              + bind
              + ": "
              + e.getMessage()
              + " (is the port in use, or the address not this machine's?)",
          e);
    }
  }

  /** Where it listens. */
  public InetSocketAddress address() {
    return server.address();
  }

  /** Tells connected ranks it is shutting down and stops. Idempotent. */
  @Override
  public void close() {
    try {
      loop.call(
          () -> {
            server.close(true);
            return null;
          });
    } catch (IOException e) {
      throw new BootstrapException(Code.INTERNAL, "stopping the coordinator: " + e, e);
    }
    stopped.countDown();
  }

  /** Blocks until {@link #close} is called (for the command line). */
  public void awaitClosed() throws InterruptedException {
    stopped.await();
  }

  @Override
  public String toString() {
    return "Coordinator[" + address() + "]";
  }
}
