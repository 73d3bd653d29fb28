package io.muster.cli.bench;

/**
 * One backend to measure, and how: the subject of part of a run.
 *
 * @param backend its name in the report: the URI's scheme, made unique within a run
 * @param uri the base URI (see {@link Groups}); {@code tcp://127.0.0.1:0} for the default
 * @param shown the URI with secrets masked, for the report
 * @param mode {@code processes} or {@code threads}
 */
public record Subject(String backend, String uri, String shown, String mode) {
  public static final String PROCESSES = "processes";
  public static final String THREADS = "threads";

  @Override
  public String toString() {
    return backend + " (" + mode + ")";
  }
}
