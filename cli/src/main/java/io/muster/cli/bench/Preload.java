package io.muster.cli.bench;

import io.muster.Bootstrap;
import io.muster.spi.BootstrapProvider;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads and initialises every Muster class of the API and of each backend on the class path, so a
 * fresh JVM's {@code open} is timed without the class loading that precedes it in every program
 * (which {@code muster demo} shows is most of a fresh JVM's first half second).
 */
final class Preload {
  private Preload() {}

  /** Loads the classes; returns how many. Classes that cannot load here are skipped. */
  static int musterClasses() {
    Set<Path> roots = new LinkedHashSet<>();
    add(roots, Bootstrap.class);
    ServiceLoader<BootstrapProvider> providers = ServiceLoader.load(BootstrapProvider.class);
    var it = providers.iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        add(roots, it.next().getClass());
      } catch (ServiceConfigurationError | LinkageError e) {
        // a broken backend: open() reports it
      }
    }
    ClassLoader loader = Preload.class.getClassLoader();
    int loaded = 0;
    for (Path root : roots) {
      for (String name : classNames(root)) {
        try {
          Class.forName(name, true, loader);
          loaded++;
        } catch (LinkageError | ClassNotFoundException | RuntimeException e) {
          // an optional dependency is missing (say, MPI's native library): open() will tell
        }
      }
    }
    return loaded;
  }

  private static void add(Set<Path> roots, Class<?> c) {
    CodeSource cs = c.getProtectionDomain().getCodeSource();
    URL url = cs == null ? null : cs.getLocation();
    if (url == null) {
      return;
    }
    try {
      roots.add(Path.of(url.toURI()));
    } catch (URISyntaxException | IllegalArgumentException e) {
      // not a file: nothing to list
    }
  }

  /** Names of the {@code io.muster} classes in a jar or a class directory. */
  static List<String> classNames(Path root) {
    List<String> names = new ArrayList<>();
    try {
      if (Files.isDirectory(root)) {
        try (Stream<Path> files = Files.walk(root)) {
          files.forEach(
              f -> {
                String rel = root.relativize(f).toString().replace('\\', '/');
                addName(names, rel);
              });
        }
      } else if (Files.isRegularFile(root)) {
        try (JarFile jar = new JarFile(root.toFile())) {
          Enumeration<JarEntry> e = jar.entries();
          while (e.hasMoreElements()) {
            addName(names, e.nextElement().getName());
          }
        }
      }
    } catch (IOException e) {
      // unreadable: preload what was found
    }
    return names;
  }

  private static void addName(List<String> names, String path) {
    if (path.startsWith("io/muster/")
        && path.endsWith(".class")
        && !path.endsWith("module-info.class")
        && !path.startsWith("io/muster/cli/")) {
      names.add(path.substring(0, path.length() - ".class".length()).replace('/', '.'));
    }
  }
}
