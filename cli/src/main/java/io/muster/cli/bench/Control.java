package io.muster.cli.bench;

import io.muster.cli.launch.Outcome;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The bench command's side of {@link ControlLink}: it listens on loopback, waits until every
 * participant of a launch is ready for a phase, gives them all one start signal, and collects what
 * they report. A participant that dies is reported with the launcher's outcome.
 */
final class Control implements Closeable {
  private static final long POLL_MILLIS = 100;

  private final ServerSocket server;
  private final List<Socket> sockets = new ArrayList<>();

  private Control(ServerSocket server) {
    this.server = server;
  }

  static Control open() {
    try {
      ServerSocket s = new ServerSocket();
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      s.setSoTimeout((int) POLL_MILLIS);
      return new Control(s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on loopback for the rank processes", e);
    }
  }

  /** {@code HOST:PORT} for {@link ControlLink#ENV}. */
  String address() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
  }

  private record Message(int from, String line) {}

  /**
   * Serves {@code participants} processes until each has said {@code done}.
   *
   * @param nextUri the group URI for each phase whose name starts with {@code open}
   * @param progress told what rank 0 is doing
   * @param launch the launcher's run, to report how a process that vanished ended
   * @throws BenchFailure when a participant fails, exits early or the time runs out
   */
  Collected serve(
      int participants,
      Supplier<String> nextUri,
      Consumer<String> progress,
      Future<Outcome> launch,
      Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
    Map<Integer, BufferedWriter> writers = new HashMap<>();
    while (writers.size() < participants) {
      Socket s;
      try {
        s = server.accept();
      } catch (SocketTimeoutException e) {
        checkAlive(launch, end, "waiting for the rank processes to start");
        continue;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      try {
        s.setTcpNoDelay(true);
        sockets.add(s);
        BufferedReader r =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        s.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
        String hello = r.readLine();
        s.setSoTimeout(0);
        if (hello == null || !hello.startsWith("hello ")) {
          throw new BenchFailure("a rank process said '" + hello + "' instead of hello");
        }
        int rank = Integer.parseInt(hello.substring(6).trim());
        writers.put(
            rank,
            new BufferedWriter(
                new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8)));
        pump(rank, r, inbox);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    Collected collected = new Collected();
    Map<String, Integer> ready = new HashMap<>();
    java.util.Set<Integer> done = new java.util.HashSet<>();
    while (done.size() < participants) {
      Message m;
      try {
        m = inbox.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchFailure("interrupted");
      }
      if (m == null) {
        checkAlive(launch, end, "waiting for the ranks");
        continue;
      }
      if (m.line == null) {
        if (done.contains(m.from)) {
          continue; // it said done, then closed
        }
        throw failed(launch, "rank " + m.from + " hung up before it was done");
      }
      String[] w = m.line.split(" ", 2);
      String rest = w.length > 1 ? w[1] : "";
      switch (w[0]) {
        case "ready":
          if (ready.merge(rest, 1, Integer::sum) == participants) {
            String uri = rest.startsWith("open") ? nextUri.get() : "-";
            long now = System.nanoTime();
            String go = "go " + rest + " " + now + " " + uri + "\n";
            for (BufferedWriter out : writers.values()) {
              write(out, go);
            }
          }
          break;
        case "result":
        case "samples":
          String[] parts = rest.split(" ");
          long[] values = new long[parts.length - 1];
          for (int i = 1; i < parts.length; i++) {
            values[i - 1] = Long.parseLong(parts[i]);
          }
          if (w[0].equals("result")) {
            collected.result(parts[0], values);
          } else {
            collected.samples(parts[0], values);
          }
          break;
        case "progress":
          progress.accept(rest);
          break;
        case "note":
          collected.note(rest);
          break;
        case "fail":
          throw new BenchFailure(rest); // the rank's own words say more than its exit code
        case "done":
          done.add(m.from);
          break;
        default:
          throw new BenchFailure("rank " + m.from + " sent an unknown message: " + m.line);
      }
    }
    return collected;
  }

  private static void write(BufferedWriter out, String text) {
    try {
      out.write(text);
      out.flush();
    } catch (IOException e) {
      // that rank is gone; its reader reports it
    }
  }

  private static void pump(int rank, BufferedReader r, BlockingQueue<Message> inbox) {
    Thread t =
        new Thread(
            () -> {
              try {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  inbox.add(new Message(rank, line));
                }
              } catch (IOException e) {
                // gone
              }
              inbox.add(new Message(rank, null));
            },
            "muster-bench-control-" + rank);
    t.setDaemon(true);
    t.start();
  }

  private static void checkAlive(Future<Outcome> launch, long end, String doing) {
    if (launch.isDone()) {
      throw failed(launch, "the rank processes ended " + doing);
    }
    if (System.nanoTime() - end >= 0) {
      throw new BenchFailure("timed out " + doing);
    }
  }

  /** The failure, with how the launch ended once it has (the launcher stops the others). */
  private static BenchFailure failed(Future<Outcome> launch, String what) {
    try {
      Outcome o = launch.get(15, TimeUnit.SECONDS);
      return new BenchFailure(o.succeeded() ? what : o.describe());
    } catch (TimeoutException e) {
      return new BenchFailure(what);
    } catch (ExecutionException e) {
      return new BenchFailure(what + " (" + e.getCause() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new BenchFailure(what);
    }
  }

  @Override
  public void close() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
