package io.muster.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.BootstrapProvider;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds backends with {@link ServiceLoader}. A broken provider jar is reported and skipped, never
 * fatal to the others; an unknown scheme names the schemes on the class path and the artifact that
 * would add the one asked for.
 */
public final class Providers {
  private static final Logger log = LoggerFactory.getLogger(Providers.class);
  private static final Map<ClassLoader, Map<String, BootstrapProvider>> CACHE = new WeakHashMap<>();

  /** Our own backends and the artifact that brings each one. */
  private static final Map<String, String> FIRST_PARTY = new LinkedHashMap<>();

  static {
    FIRST_PARTY.put("tcp", "io.muster:muster-backend-tcp");
    FIRST_PARTY.put("redis", "io.muster:muster-backend-redis");
    FIRST_PARTY.put("rediss", "io.muster:muster-backend-redis");
    FIRST_PARTY.put("zk", "io.muster:muster-backend-zookeeper");
    FIRST_PARTY.put("mpi", "io.muster:muster-backend-mpi");
    FIRST_PARTY.put("local", "io.muster:muster-api");
  }

  private Providers() {}

  /** The provider serving {@code scheme}, or a {@code BACKEND_NOT_FOUND} error. */
  public static BootstrapProvider find(String scheme, String uriForMessages) {
    Map<String, BootstrapProvider> all = available();
    BootstrapProvider p = all.get(scheme);
    if (p != null) {
      return p;
    }
    String onPath = all.isEmpty() ? "none" : String.join(", ", all.keySet());
    String artifact = FIRST_PARTY.get(scheme);
    String advice =
        artifact != null
            ? "add the artifact " + artifact + " to the class path"
            : "check the scheme; Muster's own backends serve "
                + String.join(", ", FIRST_PARTY.keySet())
                + ", and env: reads the group from the environment";
    throw new BootstrapException(
        Code.BACKEND_NOT_FOUND,
        "no backend serves the scheme '"
            + scheme
            + ":' of "
            + uriForMessages
            + "; "
            + advice
            + " (schemes on the class path: "
            + onPath
            + ")");
  }

  /** Every scheme on the class path and its provider, sorted by scheme. */
  public static Map<String, BootstrapProvider> available() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = Providers.class.getClassLoader();
    }
    synchronized (CACHE) {
      Map<String, BootstrapProvider> cached = CACHE.get(loader);
      if (cached == null) {
        cached = load(loader);
        CACHE.put(loader, cached);
      }
      return cached;
    }
  }

  private static Map<String, BootstrapProvider> load(ClassLoader loader) {
    Map<String, BootstrapProvider> found = new TreeMap<>();
    Iterator<BootstrapProvider> it = ServiceLoader.load(BootstrapProvider.class, loader).iterator();
    for (int errors = 0; errors < 100; ) {
      BootstrapProvider p;
      try {
        if (!it.hasNext()) {
          break;
        }
        p = it.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        errors++;
        log.warn("skipping a broken Muster backend on the class path: {}", e.toString());
        continue;
      }
      for (String scheme : p.schemes()) {
        BootstrapProvider earlier = found.putIfAbsent(scheme, p);
        if (earlier != null) {
          log.warn(
              "two backends serve '{}:': {} and {}; using the first",
              scheme,
              earlier.getClass().getName(),
              p.getClass().getName());
        }
      }
    }
    return found;
  }
}
