package io.muster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpenerTest {
  private static BootstrapException fails(String uri, Map<String, String> env) {
    return assertThrows(
        BootstrapException.class, () -> Opener.open(uri, Opener.UNSET, Opener.UNSET, env::get));
  }

  @Test
  void anUnknownSchemeNamesTheSchemesAvailableAndAKnownOneItsArtifact() {
    BootstrapException e = fails("foo://x", Map.of());
    assertEquals(Code.BACKEND_NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("schemes on the class path: local"), e.getMessage());

    e = fails("redis://h:6379?job=j", Map.of());
    assertEquals(Code.BACKEND_NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("io.muster:muster-backend-redis"), e.getMessage());
  }

  @Test
  void rankAndSizeComeFromTheUriOrTheEnvironmentAndConflictsAreConfigErrors() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("MUSTER_SIZE", "2");
    env.put("OMPI_COMM_WORLD_RANK", "1");
    CompletableFuture<Bootstrap> one =
        CompletableFuture.supplyAsync(
            () -> Opener.open("local:env-test?timeout=10s", Opener.UNSET, Opener.UNSET, env::get));
    try (Bootstrap zero =
            Opener.open("local:env-test?rank=0&timeout=10s", Opener.UNSET, 2, k -> null);
        Bootstrap b = one.get(10, TimeUnit.SECONDS)) {
      assertEquals(1, b.rank());
      assertEquals(2, b.size());
      assertEquals(0, zero.rank());
    }
    BootstrapException e =
        assertThrows(
            BootstrapException.class, () -> Opener.open("local:c?rank=1&size=4", 2, 4, k -> null));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("give it in one place"), e.getMessage());
  }

  @Test
  void aRankOutsideTheSizeNamesTheVariablesTheyCameFrom() {
    BootstrapException e =
        fails("local:range?timeout=1s", Map.of("OMPI_COMM_WORLD_RANK", "4", "SLURM_NTASKS", "4"));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(
        e.getMessage()
            .contains("rank 4 (from OMPI_COMM_WORLD_RANK) is outside 0..3 (from SLURM_NTASKS)"),
        e.getMessage());
    e =
        assertThrows(
            BootstrapException.class,
            () -> Opener.open("local:range?size=4", 4, Opener.UNSET, k -> null));
    assertTrue(e.getMessage().contains("rank 4 is outside 0..3 for"), e.getMessage());
  }

  @Test
  void envSchemeReadsMusterThenTorchrunVariables() {
    Map<String, String> env = new HashMap<>();
    BootstrapException e = fails("env:", env);
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("MUSTER_URI"), e.getMessage());

    env.put("MASTER_ADDR", "::1");
    env.put("MASTER_PORT", "29500");
    assertEquals(
        "tcp://[::1]:29500?timeout=1s",
        Environment.resolveUri(io.muster.spi.BootstrapUri.parse("env:?timeout=1s"), env::get));
    env.put("MUSTER_URI", "local:from-env?size=3");
    assertEquals(
        "local:from-env?size=3&timeout=1s",
        Environment.resolveUri(
            io.muster.spi.BootstrapUri.parse("env:?timeout=1s&size=9"), env::get));
    env.put("MUSTER_RANK", "two");
    e = fails("local:x?size=3", env);
    assertTrue(e.getMessage().contains("MUSTER_RANK='two'"), e.getMessage());
  }
}
