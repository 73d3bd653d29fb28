package io.muster.cli.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void nestedValuesSurviveARoundTrip() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("text", "quote \" backslash \\ newline \n tab \t <script> ünïcode µs");
    m.put("int", 42);
    m.put("long", 123_456_789_012L);
    m.put("fraction", 0.125);
    m.put("big", 3.3e9);
    m.put("small", 1.5e-7);
    m.put("negative", -17.25);
    m.put("yes", true);
    m.put("nothing", null);
    m.put("list", List.of(1, 2.5, "x"));
    m.put("nested", List.of(Map.of("a", List.of()), Map.of()));
    Object back = Json.parse(Json.write(m));
    assertTrue(back instanceof Map);
    Map<?, ?> b = (Map<?, ?>) back;
    assertEquals(m.get("text"), b.get("text"));
    assertEquals(42.0, b.get("int"));
    assertEquals(123_456_789_012.0, b.get("long"));
    assertEquals(0.125, b.get("fraction"));
    assertEquals(3.3e9, (Double) b.get("big"), 1);
    assertEquals(1.5e-7, (Double) b.get("small"), 1e-12);
    assertEquals(-17.25, b.get("negative"));
    assertEquals(true, b.get("yes"));
    assertTrue(b.containsKey("nothing"));
    assertNull(b.get("nothing"));
    assertEquals(List.of(1.0, 2.5, "x"), b.get("list"));
    assertEquals(List.of(Map.of("a", List.of()), Map.of()), b.get("nested"));
    assertEquals(List.copyOf(m.keySet()), List.copyOf(b.keySet()), "keys keep their order");
  }

  @Test
  void theTextIsSafeInsideAnHtmlScriptElement() {
    String json = Json.write(Map.of("x", "</script><b>"));
    assertTrue(!json.contains("</script>"), json);
    assertEquals("</script><b>", ((Map<?, ?>) Json.parse(json)).get("x"));
  }

  @Test
  void notANumberIsWrittenAsNull() {
    assertEquals(Arrays.asList(1.0, null), Json.parse(Json.write(List.of(1.0, Double.NaN))));
  }

  @Test
  void numbersKeepSixSignificantDigitsWithoutTrailingZeros() {
    assertEquals(
        "[1.5, 100000, 123457, 2e+09, 0.001]\n",
        Json.write(List.of(1.5, 100000.0, 123456.7, 2e9 + 0.5, 0.001)));
  }

  @Test
  void malformedTextIsRejectedWithItsOffset() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": [1, 2,, 3]}"));
    assertTrue(e.getMessage().contains("offset 12"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1} extra"));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2"));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("\"\\u12\""));
  }
}
