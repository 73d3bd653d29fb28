package io.muster.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.spi.BootstrapUri;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupsTest {

  @Test
  void eachTcpGroupOnPortZeroGetsItsOwnFreePortAndJob() {
    Groups g = new Groups(Groups.DEFAULT_TCP, "r1", Duration.ofMinutes(2));
    BootstrapUri first = BootstrapUri.parse(g.next());
    BootstrapUri second = BootstrapUri.parse(g.next());
    assertEquals("127.0.0.1", first.hosts().get(0).host());
    int port = first.hosts().get(0).port();
    assertTrue(port > 0);
    int[] ephemeral = Groups.ephemeralRange();
    assertTrue(
        port < ephemeral[0] || port > ephemeral[1] || ephemeral[0] <= 11_000,
        "the coordinator's port " + port + " is outside the range ranks listen on");
    assertNotEquals(first.query().get("job"), second.query().get("job"));
    assertEquals("bench-r1-0", first.query().get("job"));
    assertEquals("2m", first.query().get("timeout"));
  }

  @Test
  void theEphemeralRangeIsTheKernels() throws java.io.IOException {
    java.nio.file.Path f = java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(f), "not Linux");
    String[] want;
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(f)) {
      want =
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
              .trim()
              .split("\\s+");
    }
    int[] range = Groups.ephemeralRange();
    assertEquals(Integer.parseInt(want[0]), range[0]);
    assertEquals(Integer.parseInt(want[1]), range[1]);
  }

  @Test
  void aGivenJobBecomesAPrefixAndOtherKeysStay() {
    Groups g =
        new Groups(
            "tcp://10.0.0.1:29500?coordinator=external&job=train&timeout=30s&token=s3cret",
            "r2",
            Duration.ofMinutes(2));
    String uri = g.uri(3);
    assertTrue(uri.startsWith("tcp://10.0.0.1:29500?"), uri);
    Map<String, String> q = BootstrapUri.parse(uri).query();
    assertEquals("train-r2-3", q.get("job"));
    assertEquals("30s", q.get("timeout"), "the user's timeout wins");
    assertEquals("external", q.get("coordinator"));
    assertEquals("s3cret", q.get("token"));
  }

  @Test
  void localGroupsGetAJobPerGroup() {
    String uri = new Groups("local:bench", "r3", Duration.ofSeconds(40)).uri(0);
    assertEquals("local:bench?job=bench-r3-0&timeout=40s", uri);
  }
}
