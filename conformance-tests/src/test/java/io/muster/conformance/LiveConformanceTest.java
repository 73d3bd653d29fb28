package io.muster.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.BootstrapException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code muster conformance}'s entry point, run against {@code local:} with two ranks. */
class LiveConformanceTest {
  @Test
  void printsOneLinePerRuleAndPassesOnLocal() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean ok;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      ok = LiveConformance.run("local:live", 2, out);
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    List<String> rules =
        Arrays.stream(text.split("\n"))
            .filter(l -> l.matches("(PASS|FAIL|SKIP)  .*"))
            .collect(Collectors.toList());
    assertEquals(12, rules.size(), "one line for opening and each of rules 1 to 11:\n" + text);
    for (int rule = 1; rule <= 11; rule++) {
      String prefix = "Rule " + rule + ":";
      assertTrue(
          rules.stream().anyMatch(l -> l.substring(6).startsWith(prefix)), prefix + "\n" + text);
    }
    assertTrue(rules.stream().anyMatch(l -> l.startsWith("SKIP  Rule 10:")), text);
    assertTrue(rules.stream().anyMatch(l -> l.startsWith("PASS  Rule 1:")), text);
    assertFalse(rules.stream().anyMatch(l -> l.startsWith("FAIL")), text);
    assertTrue(ok, text);
  }

  @Test
  void aBackendThatFailsARuleMakesTheRunFail() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean ok;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      // no backend serves this scheme: every group fails to open
      ok = LiveConformance.run("nosuch:x", 1, out);
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertFalse(ok, text);
    assertTrue(text.contains("FAIL  Rule 1:"), text);
  }

  @Test
  void aMalformedUriIsRejectedAtOnce() {
    assertThrows(BootstrapException.class, () -> LiveConformance.run("::", 2, System.out));
  }
}
