package io.muster.cli.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress bar: on a terminal one line redrawn in place ({@code [#####-----] 3/9 tcp n=8
 * allGather}); elsewhere (a pipe, a test) a line per step, so logs stay readable.
 */
public final class Progress {
  private static final int WIDTH = 24;

  private final PrintStream out;
  private final boolean terminal;
  private final int steps;
  private int done;
  private String step = "";
  private int lastLength;

  /**
   * @param steps how many steps the whole run has
   * @param terminal redraw in place (a console) rather than print a line per step
   */
  public Progress(PrintStream out, int steps, boolean terminal) {
    this.out = out;
    this.steps = Math.max(1, steps);
    this.terminal = terminal;
  }

  /** Starts the next step. */
  public synchronized void begin(String what) {
    step = what;
    if (terminal) {
      draw("");
    } else {
      out.printf(Locale.ROOT, "[%d/%d] %s%n", done + 1, steps, what);
    }
  }

  /** What the current step is doing now (redrawn on a terminal only). */
  public synchronized void detail(String what) {
    if (terminal) {
      draw(what);
    }
  }

  /** Ends the current step. */
  public synchronized void end() {
    done = Math.min(steps, done + 1);
    if (terminal) {
      draw("");
    }
  }

  /** Clears the bar so that what is printed next starts on a clean line. */
  public synchronized void finish() {
    if (terminal && lastLength > 0) {
      out.print("\r" + " ".repeat(lastLength) + "\r");
      out.flush();
      lastLength = 0;
    }
  }

  private void draw(String detail) {
    int filled = done * WIDTH / steps;
    String line =
        String.format(
            Locale.ROOT,
            "[%s%s] %d/%d %s%s",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            done,
            steps,
            step,
            detail.isEmpty() ? "" : ": " + detail);
    int pad = Math.max(0, lastLength - line.length());
    out.print("\r" + line + " ".repeat(pad));
    out.flush();
    lastLength = line.length();
  }
}
