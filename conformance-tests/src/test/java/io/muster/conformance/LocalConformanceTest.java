package io.muster.conformance;

import java.util.concurrent.atomic.AtomicInteger;

/** The {@code local:} backend against the whole kit: ranks are threads of this JVM. */
class LocalConformanceTest extends BootstrapConformanceKit {
  private static final AtomicInteger groups = new AtomicInteger();

  @Override
  protected String groupUri(int size) {
    return "local:conformance-" + groups.incrementAndGet();
  }

  @Override
  protected boolean supportsRankAssignment() {
    return true;
  }
}
