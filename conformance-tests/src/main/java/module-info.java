/**
 * The conformance kit: the rules of the Bootstrap contract as JUnit 5 tests. A backend adopts it by
 * extending {@link io.muster.conformance.BootstrapConformanceKit} (ranks as threads) and {@link
 * io.muster.conformance.ProcessConformanceKit} (one JVM per rank) in its own tests.
 */
open module io.muster.conformance {
  requires transitive io.muster.api;
  requires transitive org.junit.jupiter.api;
  requires transitive org.junit.jupiter.params;
  requires org.junit.platform.launcher;

  exports io.muster.conformance;
}
