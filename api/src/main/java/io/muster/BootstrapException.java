package io.muster;

import java.util.List;

/**
 * The one exception Muster throws. Its {@link #code()} says what the caller should do, and {@link
 * #ranks()} names the ranks that were missing or lost, so a job can report exactly who failed.
 */
public class BootstrapException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, grouped by what the caller should do about it. */
  public enum Code {
    /** The configuration is wrong or inconsistent across ranks: fix it; retrying will not help. */
    CONFIG,
    /** No backend serves the URI's scheme: add the backend's artifact to the class path. */
    BACKEND_NOT_FOUND,
    /** The service (coordinator, Redis, ZooKeeper, MPI) cannot be reached: retrying may help. */
    UNAVAILABLE,
    /** A blocking call ran out of time; {@link #ranks()} names the ranks it was waiting for. */
    TIMEOUT,
    /** A peer process died or left; {@link #ranks()} names it. Restart the job. */
    PEER_LOST,
    /** A peer speaks another protocol version, or data arrived corrupt. */
    PROTOCOL,
    /** This bootstrap was closed. */
    CLOSED,
    /** A bug in Muster: please report it with the message and stack trace. */
    INTERNAL
  }

  private final Code code;
  private final List<Integer> ranks;

  public BootstrapException(Code code, String message) {
    this(code, message, List.of(), null);
  }

  public BootstrapException(Code code, String message, Throwable cause) {
    this(code, message, List.of(), cause);
  }

  public BootstrapException(Code code, String message, List<Integer> ranks) {
    this(code, message, ranks, null);
  }

  public BootstrapException(Code code, String message, List<Integer> ranks, Throwable cause) {
    super(message, cause);
    this.code = java.util.Objects.requireNonNull(code, "code");
    this.ranks = List.copyOf(ranks);
  }

  /** What went wrong, and so what to do about it. */
  public Code code() {
    return code;
  }

  /** The ranks that were missing or lost, in ascending order; empty when no rank is concerned. */
  public List<Integer> ranks() {
    return ranks;
  }

  @Override
  public String toString() {
    return getClass().getName() + " [" + code + "]: " + getMessage();
  }
}
