package io.muster.cli.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A rank process's line to the bench command ({@link Control}): {@code ready}/{@code go} for common
 * starts, then results. One text line per message, so a hung run can be read with a packet dump.
 */
final class ControlLink implements Conductor, Closeable {
  /** The variable that tells a child process where the bench command listens. */
  static final String ENV = "MUSTER_BENCH_CONTROL";

  private final Socket socket;
  private final BufferedReader in;
  private final BufferedWriter out;

  private ControlLink(Socket socket) throws IOException {
    this.socket = socket;
    this.in =
        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    this.out =
        new BufferedWriter(
            new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8));
  }

  /** Connects to {@code HOST:PORT} from {@link #ENV} and says which rank this is. */
  static ControlLink connect(int rank) {
    String at = System.getenv(ENV);
    if (at == null || at.lastIndexOf(':') < 0) {
      throw new IllegalStateException(
          ENV + " is not set (HOST:PORT): this process is started by `muster bench`");
    }
    int colon = at.lastIndexOf(':');
    try {
      Socket s = new Socket();
      s.setTcpNoDelay(true);
      s.connect(
          new InetSocketAddress(at.substring(0, colon), Integer.parseInt(at.substring(colon + 1))),
          10_000);
      ControlLink link = new ControlLink(s);
      link.send("hello " + rank);
      return link;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach the bench command at " + at, e);
    }
  }

  synchronized void send(String line) {
    try {
      out.write(line);
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("lost the bench command", e);
    }
  }

  @Override
  public Signal ready(String phase) {
    send("ready " + phase);
    String line;
    try {
      line = in.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException("lost the bench command waiting to start " + phase, e);
    }
    // go PHASE NANOS URI
    String[] go = line == null ? new String[0] : line.split(" ", 4);
    if (go.length != 4 || !go[0].equals("go") || !go[1].equals(phase)) {
      throw new IllegalStateException("expected 'go " + phase + " …' but got " + line);
    }
    return new Signal(Long.parseLong(go[2]), go[3]);
  }

  @Override
  public void result(String metric, long... values) {
    send(numbers("result " + metric, values));
  }

  @Override
  public void samples(String metric, long... values) {
    send(numbers("samples " + metric, values));
  }

  @Override
  public void progress(String what) {
    send("progress " + what);
  }

  /** A line for the report's notes. */
  void note(String text) {
    send("note " + text.replace('\n', ' '));
  }

  /** This rank finished; the command may now stop waiting for it. */
  void done() {
    send("done");
  }

  /** This rank failed; the message is what the command prints. */
  void fail(String message) {
    send("fail " + message.replace('\n', ' '));
  }

  private static String numbers(String head, long[] values) {
    StringBuilder b = new StringBuilder(head.length() + 12 * values.length).append(head);
    for (long v : values) {
      b.append(' ').append(v);
    }
    return b.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
