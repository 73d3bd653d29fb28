package io.muster.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BootstrapUriTest {
  @Test
  void hierarchicalUrisWithUsersSeveralHostsIpv6AndAPath() {
    BootstrapUri u = BootstrapUri.parse("zk://a:2181,[::1]:2182,c/muster/root?job=x%20y&size=4");
    assertEquals("zk", u.scheme());
    assertEquals(3, u.hosts().size());
    assertEquals("::1", u.hosts().get(1).host());
    assertEquals(2182, u.hosts().get(1).port());
    assertEquals(-1, u.hosts().get(2).port());
    assertEquals(2181, u.hosts().get(2).port(2181));
    assertEquals("/muster/root", u.path());
    assertEquals("x y", u.query().get("job"));

    BootstrapUri r = BootstrapUri.parse("redis://alice:p%40ss@h:6379/2?job=j");
    assertEquals("alice", r.user().orElseThrow());
    assertEquals("p@ss", r.password().orElseThrow());
    assertEquals("/2", r.path());
  }

  @Test
  void opaqueUris() {
    BootstrapUri u = BootstrapUri.parse("local:unit?size=3");
    assertFalse(u.isHierarchical());
    assertEquals("unit", u.path());
    assertEquals("3", u.query().get("size"));
    assertEquals("", BootstrapUri.parse("mpi:").path());
  }

  @Test
  void secretsNeverShow() {
    String shown = BootstrapUri.parse("redis://u:hunter2@h:1?job=j&token=t0ps3cret").toString();
    assertFalse(shown.contains("hunter2"), shown);
    assertFalse(shown.contains("t0ps3cret"), shown);
    assertTrue(shown.contains("u:****@h:1"), shown);
    assertTrue(shown.contains("token=****"), shown);
  }

  @Test
  void malformedUrisAreConfigErrorsThatSayWhy() {
    for (String bad :
        List.of(
            "", "tcp", "1tcp://x", "tcp://[::1:5", "tcp://::1:5", "tcp://h:99999", "tcp://h:x")) {
      BootstrapException e = assertThrows(BootstrapException.class, () -> BootstrapUri.parse(bad));
      assertEquals(Code.CONFIG, e.code(), bad);
    }
    BootstrapException dup =
        assertThrows(BootstrapException.class, () -> BootstrapUri.parse("tcp://h:1?size=2&size=3"));
    assertTrue(dup.getMessage().contains("'size' appears twice"), dup.getMessage());
  }

  @Test
  void optionsRejectUnknownKeysAndBadValuesNamingTheValidOnes() {
    BootstrapUri u = BootstrapUri.parse("local:x?tiemout=5s");
    BootstrapException e =
        assertThrows(BootstrapException.class, () -> Options.parse(u, CommonOptions.ALL));
    assertEquals(Code.CONFIG, e.code());
    assertTrue(e.getMessage().contains("'tiemout'"), e.getMessage());
    assertTrue(e.getMessage().contains("rank, size, timeout, job, token"), e.getMessage());

    BootstrapUri bad = BootstrapUri.parse("local:x?timeout=soon");
    e = assertThrows(BootstrapException.class, () -> Options.parse(bad, CommonOptions.ALL));
    assertTrue(e.getMessage().contains("250ms, 30s, 5m"), e.getMessage());

    BootstrapUri secret = BootstrapUri.parse("local:x?token=");
    Options o = Options.parse(secret, CommonOptions.ALL);
    assertEquals("", o.get(CommonOptions.TOKEN));
    assertFalse(
        Options.parse(BootstrapUri.parse("local:x?token=abc"), CommonOptions.ALL)
            .toString()
            .contains("abc"));

    Options d = Options.parse(BootstrapUri.parse("local:x?timeout=250ms"), CommonOptions.ALL);
    assertEquals(Duration.ofMillis(250), d.get(CommonOptions.TIMEOUT));
    assertEquals("muster", d.get(CommonOptions.JOB));
  }

  @Test
  void durationsParseAndFormatTheWayPeopleWriteThem() {
    assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
    assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
    assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
    assertEquals(Duration.ofHours(2), Durations.parse("2h"));
    assertEquals(Duration.ofSeconds(90), Durations.parse("PT1M30S"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
    assertEquals("5m", Durations.format(Duration.ofMinutes(5)));
    assertEquals("1m30s", Durations.format(Duration.ofSeconds(90)));
    assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
    assertEquals("12us", Durations.format(Duration.ofNanos(12_000)));
  }
}
