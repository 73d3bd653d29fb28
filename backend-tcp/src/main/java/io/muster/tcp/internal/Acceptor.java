package io.muster.tcp.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket on the shared loop. Each accepted connection starts with a {@link
 * Handshake.Answerer}; a connection that has not said HELLO within {@link #HELLO_TIMEOUT_NANOS} is
 * closed, so a silent scanner holds nothing for long.
 */
final class Acceptor implements IoLoop.Handler, IoLoop.Timer {
  private static final Logger log = LoggerFactory.getLogger(Acceptor.class);
  private static final long HELLO_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int BACKLOG = 4096;
  private static final long OUT_OF_DESCRIPTORS_PAUSE_MILLIS = 50;

  private final IoLoop loop;
  private final ServerSocketChannel server;
  private final InetSocketAddress address;
  private final Handshake.Gatekeeper gate;
  private final List<Handshake.Answerer> pending = new ArrayList<>();
  private SelectionKey key;
  private static volatile boolean warnedOutOfDescriptors; // once a process: every listener hits it

  private Acceptor(IoLoop loop, ServerSocketChannel server, Handshake.Gatekeeper gate)
      throws IOException {
    this.loop = loop;
    this.server = server;
    this.address = (InetSocketAddress) server.getLocalAddress();
    this.gate = gate;
  }

  /**
   * Binds {@code at} and starts accepting on the loop. An address in use is retried with jittered
   * backoff until {@code deadlineNanos}. With port 0, the address {@code avoid} (a coordinator's,
   * or null) is never taken.
   */
  static Acceptor open(
      IoLoop loop,
      InetSocketAddress at,
      Handshake.Gatekeeper gate,
      long deadlineNanos,
      InetSocketAddress avoid)
      throws IOException {
    if (loop.inLoop()) {
      throw new IllegalStateException("binding may wait; never on the loop thread");
    }
    long backoff = 5;
    while (true) {
      ServerSocketChannel server = ServerSocketChannel.open();
      try {
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(at, BACKLOG);
        if (at.getPort() == 0 && server.getLocalAddress().equals(avoid)) {
          // The kernel handed us the coordinator's port before the coordinator bound it: leave
          // it to the coordinator, or rank 0 could never start it.
          server.close();
          continue;
        }
        Acceptor a = new Acceptor(loop, server, gate);
        loop.call(
            () -> {
              a.key = loop.register(server, SelectionKey.OP_ACCEPT, a);
              loop.addTimer(a);
              return null;
            });
        return a;
      } catch (BindException e) {
        server.close();
        if (at.getPort() == 0 || System.nanoTime() + backoff * 1_000_000 - deadlineNanos > 0) {
          throw e;
        }
        log.info("{} is in use; retrying in {} ms", at, backoff);
        try {
          Thread.sleep(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while binding " + at);
        }
        backoff = Math.min(backoff * 2, 500);
      } catch (IOException | RuntimeException e) {
        server.close();
        throw e;
      }
    }
  }

  InetSocketAddress address() {
    return address;
  }

  @Override
  public void ready(SelectionKey k) throws IOException {
    SocketChannel ch;
    while ((ch = accept(k)) != null) {
      Handshake.Answerer answerer = new Handshake.Answerer(gate, address.toString());
      try {
        answerer.attach(Link.accepted(loop, ch, answerer, Wire.HANDSHAKE_LIMIT));
        pending.add(answerer);
      } catch (IOException e) {
        log.debug("could not register an accepted connection", e);
        ch.close();
      }
    }
  }

  /**
   * The next waiting connection, or null. Out of descriptors, the listener stays open (closing it
   * would free its port for another listener, and dialers would then meet a stranger): it stops
   * accepting for a moment, and the connections wait in the kernel's backlog.
   */
  private SocketChannel accept(SelectionKey k) throws IOException {
    try {
      return server.accept();
    } catch (IOException e) {
      String why = String.valueOf(e.getMessage());
      if (!why.contains("Too many open files")) {
        throw e;
      }
      if (!warnedOutOfDescriptors) {
        warnedOutOfDescriptors = true;
        log.warn(
            "the listener on {} cannot accept: this process is out of file descriptors ({}); raise"
                + " the limit (ulimit -n) or run fewer ranks per process. Retrying.",
            address,
            why);
      }
      k.interestOps(0);
      loop.schedule(
          () -> {
            if (k.isValid()) {
              k.interestOps(SelectionKey.OP_ACCEPT);
            }
          },
          TimeUnit.MILLISECONDS.toNanos(OUT_OF_DESCRIPTORS_PAUSE_MILLIS));
      return null;
    }
  }

  @Override
  public void tick(long now) {
    pending.removeIf(
        a -> {
          Link l = a.link();
          if (l != null && l.isClosed() || a.greeted()) {
            return true;
          }
          if (now - a.openedNanos() > HELLO_TIMEOUT_NANOS) {
            if (l != null) {
              l.closeQuietly(new IOException("no HELLO within 10s"));
            }
            return true;
          }
          return false;
        });
  }

  @Override
  public void failed(Exception cause) {
    log.warn("the listener on {} failed: {}", address, cause.toString());
    close();
  }

  /** Stops listening; call on the loop thread. */
  void close() {
    loop.removeTimer(this);
    if (key != null) {
      key.cancel();
    }
    try {
      server.close();
    } catch (IOException e) {
      log.debug("closing listener {}", address, e);
    }
  }
}
