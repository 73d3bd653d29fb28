package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code muster conformance}: the kit against a live URI, a line per rule. */
class ConformanceCommandTest {

  @Test
  void checksALiveGroupAndPrintsALinePerRule() {
    Captured c = Captured.muster("conformance", "--uri", "local:cli-conformance", "-n", "2");
    assertEquals(0, c.code, c.toString());
    for (int rule = 1; rule <= 11; rule++) {
      assertTrue(c.out.contains("Rule " + rule + ":"), "no line for rule " + rule + ": " + c);
    }
    assertTrue(c.out.contains("PASS  Rule 5:"), c.toString());
    assertTrue(c.out.contains("conformance: every rule passed or was skipped"), c.toString());
  }

  @Test
  void badInputIsAUsageError() {
    Captured c = Captured.muster("conformance", "--uri", "local:x?rank=1", "-n", "2");
    assertEquals(2, c.code, c.toString());
    assertTrue(c.err.contains("remove rank="), c.toString());
    c = Captured.muster("conformance", "--uri", "local:x", "-n", "0");
    assertEquals(2, c.code, c.toString());
  }
}
