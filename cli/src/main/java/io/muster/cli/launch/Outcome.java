package io.muster.cli.launch;

import java.time.Duration;
import java.util.List;

/**
 * How a launch ended: every rank succeeded, one failed (and the rest were stopped), the launch ran
 * out of time, or a rank could not be started. {@link #describe()} says which in one line.
 *
 * @param status how it ended
 * @param exitCode what the launcher should exit with: 0, the failed rank's code, 124 on timeout,
 *     127 when a rank could not start, 130 when interrupted
 * @param rank the rank that failed or could not start, or -1
 * @param detail the failed rank's last line of output, or why it could not start; may be empty
 * @param unfinished the ranks still running when the launch timed out, ascending
 * @param elapsed the launch's wall time
 */
public record Outcome(
    Status status,
    int exitCode,
    int rank,
    String detail,
    List<Integer> unfinished,
    Duration elapsed) {

  /** How a launch ended. */
  public enum Status {
    SUCCEEDED,
    RANK_FAILED,
    TIMED_OUT,
    START_FAILED,
    INTERRUPTED
  }

  public Outcome {
    unfinished = List.copyOf(unfinished);
  }

  /** True when every rank exited with code 0. */
  public boolean succeeded() {
    return status == Status.SUCCEEDED;
  }

  /** On Unix, a code of 128 + N means the process was killed by signal N. */
  private String signal() {
    int sig = exitCode - 128;
    if (sig <= 0 || sig >= 64 || System.getProperty("os.name", "").startsWith("Windows")) {
      return "";
    }
    String name = sig == 9 ? "SIGKILL" : sig == 15 ? "SIGTERM" : sig == 6 ? "SIGABRT" : null;
    return " (killed by signal " + sig + (name == null ? "" : ", " + name) + ")";
  }

  /** One line for people: which rank, what happened, and its last words. */
  public String describe() {
    String seconds = String.format("%.1fs", elapsed.toMillis() / 1000.0);
    String tail = detail.isBlank() ? "" : ": " + detail;
    switch (status) {
      case SUCCEEDED:
        return "all ranks exited with code 0 in " + seconds;
      case RANK_FAILED:
        return "rank " + rank + " exited with code " + exitCode + signal() + tail;
      case TIMED_OUT:
        return "timed out after " + seconds + " waiting for ranks " + unfinished + " (stopped)";
      case START_FAILED:
        return "could not start rank " + rank + tail;
      default:
        return "interrupted after " + seconds + "; stopped every rank";
    }
  }
}
