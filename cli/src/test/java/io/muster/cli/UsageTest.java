package io.muster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad command lines exit with 2 and one line saying what is wrong; nothing is started. */
class UsageTest {

  @Test
  void helpListsTheCommandsAndExitsZero() {
    Captured c = Captured.muster("--help");
    assertEquals(0, c.code, c.toString());
    assertTrue(c.out.contains("demo") && c.out.contains("run"), c.toString());
  }

  @Test
  void noCommandIsAUsageError() {
    Captured c = Captured.muster();
    assertEquals(2, c.code, c.toString());
    assertTrue(c.err.contains("missing a command"), c.toString());
  }

  @Test
  void aMisspelledCommandGetsASuggestion() {
    Captured c = Captured.muster("dmo");
    assertEquals(2, c.code, c.toString());
    assertTrue(c.err.contains("muster demo"), c.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "demo -n 0                             | -n must be at least 1, got 0",
        "run -n -3 -- true                     | -n must be at least 1, got -3",
        "demo -n eight                         | 'eight' is not an int",
        "run -n 2                              | Missing required parameter: 'CMD'",
        "run -- true                           | Missing required option: '--ranks=N'",
        "demo --timeout 5 parsecs              | is not a duration",
        "demo --ping-pong-size 3TB             | is not a size",
        "demo --uri tcp://host:99999           | --uri: malformed URI 'tcp://host:99999'",
        "demo --uri nowhere                    | does not start with a scheme",
        "demo --uri gopher://h:1               | no backend on the class path serves 'gopher:'",
        "demo --uri local:x                    | local: groups live inside one JVM",
        "run -n 2 --uri env: -- true           | env: would point the ranks back at themselves",
        "run -n 2 --uri tcp://h:1?rank=0 -- true | remove rank=",
        "run -n 2 --uri tcp://h:1?size=3 -- true | says size=3 but -n is 2",
        "coordinator                           | Missing required option: '--port=P'",
        "coordinator --port 70000              | --port must be 0..65535, got 70000",
      })
  void isRejectedWithExitCode2(String args, String message) {
    Captured c = Captured.muster(args.trim().split(" +"));
    assertEquals(2, c.code, c.toString());
    assertTrue(c.err.contains(message), c.toString());
    assertTrue(c.err.contains("--help' for more information"), c.toString());
    assertEquals("", c.out, "nothing ran: " + c);
  }
}
