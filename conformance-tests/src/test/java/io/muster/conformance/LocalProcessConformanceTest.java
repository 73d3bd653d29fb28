package io.muster.conformance;

/**
 * {@code local:} in process mode: it opts out, visibly, since its ranks must share one JVM. (The
 * process-mode runner itself is checked by {@link RankProcessTest}.)
 */
class LocalProcessConformanceTest extends ProcessConformanceKit {
  @Override
  protected String groupUri(int size) {
    return "local:process-mode";
  }
}
