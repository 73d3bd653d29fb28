package io.muster.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.spi.BootstrapProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvidersTest {
  @Test
  void aBrokenProviderIsSkippedAndTheOthersStillWork(@TempDir Path dir) throws Exception {
    Path services = dir.resolve("META-INF/services");
    Files.createDirectories(services);
    Files.writeString(
        services.resolve(BootstrapProvider.class.getName()),
        "com.example.NoSuchProvider\nio.muster.internal.local.LocalBootstrapProvider\n");
    ClassLoader before = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
      Thread.currentThread().setContextClassLoader(loader);
      Map<String, BootstrapProvider> found = Providers.available();
      assertTrue(found.containsKey("local"), found.toString());
    } finally {
      Thread.currentThread().setContextClassLoader(before);
    }
  }
}
