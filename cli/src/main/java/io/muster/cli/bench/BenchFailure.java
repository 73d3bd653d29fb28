package io.muster.cli.bench;

/** A bench run that could not finish: which launch, which rank, and why, in one line. */
public final class BenchFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BenchFailure(String message) {
    super(message);
  }
}
