package io.muster.mpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.BootstrapProvider;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The provider's registration and the URI errors it finds before MPI is ever loaded. */
class MpiProviderTest {

  @Test
  @DisplayName("the provider serves mpi: with its own keys and the TCP transport's")
  void keys() {
    BootstrapProvider mpi = new MpiBootstrapProvider();
    assertEquals("mpi", mpi.scheme());
    assertEquals(
        "transport, finalize, library, bind",
        mpi.options().stream().map(o -> o.name()).collect(Collectors.joining(", ")));
  }

  @Test
  @DisplayName("Bootstrap.open finds the provider: mpi:// fails with CONFIG, saying what to write")
  void hierarchical() {
    BootstrapException e =
        assertThrows(BootstrapException.class, () -> Bootstrap.open("mpi://host:1234"));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("write mpi:"), e.getMessage());
  }

  @Test
  @DisplayName("an unknown key or value fails with CONFIG, listing the valid ones")
  void badKeys() {
    BootstrapException key =
        assertThrows(BootstrapException.class, () -> Bootstrap.open("mpi:?colour=blue"));
    assertEquals(Code.CONFIG, key.code());
    assertTrue(key.getMessage().contains("transport"), key.getMessage());
    BootstrapException value =
        assertThrows(BootstrapException.class, () -> Bootstrap.open("mpi:?transport=pigeon"));
    assertEquals(Code.CONFIG, value.code());
    assertTrue(value.getMessage().contains("mpi, tcp"), value.getMessage());
  }

  @Test
  @DisplayName("a library path that does not exist fails with CONFIG, before MPI is loaded")
  void missingLibrary() {
    BootstrapException e =
        assertThrows(
            BootstrapException.class,
            () -> Bootstrap.open("mpi:?library=/nonexistent/libmpi.so&timeout=5s"));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("/nonexistent/libmpi.so"), e.getMessage());
  }
}
