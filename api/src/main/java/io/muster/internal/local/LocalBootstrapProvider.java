package io.muster.internal.local;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import io.muster.spi.CommonOptions;
import io.muster.spi.Options;

/** {@code local:NAME}: ranks are threads of this JVM; for users' own unit tests. */
public final class LocalBootstrapProvider implements BootstrapProvider {
  @Override
  public String scheme() {
    return "local";
  }

  @Override
  public Bootstrap open(BootstrapUri uri, int rank, int size, Options options) {
    if (uri.isHierarchical()) {
      throw new BootstrapException(
          Code.CONFIG, "write local:NAME (no //) instead of " + uri + ", for example local:test");
    }
    if (size == ANY_SIZE) {
      throw new BootstrapException(
          Code.CONFIG,
          "no size for "
              + uri
              + ": add size=N to the URI, pass it to open(uri, rank, size), or set MUSTER_SIZE");
    }
    String name = uri.path().isEmpty() ? "default" : uri.path();
    return LocalGroup.join(
        name,
        rank,
        size,
        options.get(CommonOptions.JOB),
        options.get(CommonOptions.TOKEN),
        options.get(CommonOptions.TIMEOUT));
  }
}
