package io.muster.cli.bench.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Just enough JSON for result files: objects (insertion-ordered maps), arrays (lists), strings,
 * numbers (as {@code Double}, or {@code Long} when integral on writing), booleans and null. No
 * dependency, so the CLI stays one small jar.
 */
public final class Json {
  private Json() {}

  /** {@code value} as indented JSON text. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0);
    return out.append('\n').toString();
  }

  private static void write(StringBuilder out, Object v, int indent) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String) {
      string(out, (String) v);
    } else if (v instanceof Boolean) {
      out.append(v);
    } else if (v instanceof Number) {
      number(out, ((Number) v).doubleValue(), v);
    } else if (v instanceof Map) {
      Map<?, ?> m = (Map<?, ?>) v;
      if (m.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        pad(out, indent + 1);
        string(out, String.valueOf(e.getKey()));
        out.append(": ");
        write(out, e.getValue(), indent + 1);
        out.append(++i < m.size() ? ",\n" : "\n");
      }
      pad(out, indent);
      out.append('}');
    } else if (v instanceof List) {
      List<?> l = (List<?>) v;
      boolean flat = true;
      for (Object x : l) {
        flat &= !(x instanceof Map || x instanceof List);
      }
      if (flat) { // numbers on one line: a series of repetitions reads as a row
        out.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) {
            out.append(", ");
          }
          write(out, l.get(i), indent);
        }
        out.append(']');
        return;
      }
      out.append("[\n");
      for (int i = 0; i < l.size(); i++) {
        pad(out, indent + 1);
        write(out, l.get(i), indent + 1);
        out.append(i + 1 < l.size() ? ",\n" : "\n");
      }
      pad(out, indent);
      out.append(']');
    } else {
      throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
    }
  }

  private static void number(StringBuilder out, double d, Object original) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      out.append("null"); // JSON has no NaN; readers see "no value"
    } else if (original instanceof Long || original instanceof Integer) {
      out.append(((Number) original).longValue());
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      out.append((long) d);
    } else {
      String t = String.format(Locale.ROOT, "%.6g", d);
      int e = t.indexOf('e');
      String mantissa = e < 0 ? t : t.substring(0, e);
      if (mantissa.indexOf('.') >= 0) { // 1.50000 -> 1.5, 2.00000e+09 -> 2e+09
        mantissa = mantissa.replaceFirst("\\.?0+$", "");
      }
      out.append(mantissa).append(e < 0 ? "" : t.substring(e));
    }
  }

  private static void pad(StringBuilder out, int indent) {
    out.append("  ".repeat(indent));
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == '<') { // '<' escaped so the text can sit inside an HTML <script>
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  /**
   * Parses JSON text: objects become unmodifiable {@code Map<String, Object>}, arrays unmodifiable
   * lists, numbers {@code Double}.
   *
   * @throws IllegalArgumentException naming the offset of the first thing that is not JSON
   */
  public static Object parse(String text) {
    Parser p = new Parser(text);
    p.space();
    Object v = p.value();
    p.space();
    if (p.at < text.length()) {
      throw p.error("unexpected text after the value");
    }
    return v;
  }

  private static final class Parser {
    final String s;
    int at;

    Parser(String s) {
      this.s = s;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("not JSON at offset " + at + ": " + what);
    }

    void space() {
      while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
        at++;
      }
    }

    char peek() {
      if (at >= s.length()) {
        throw error("unexpected end of text");
      }
      return s.charAt(at);
    }

    void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "' but found '" + peek() + "'");
      }
      at++;
    }

    Object value() {
      char c = peek();
      switch (c) {
        case '{':
          return object();
        case '[':
          return array();
        case '"':
          return string();
        case 't':
          return word("true", Boolean.TRUE);
        case 'f':
          return word("false", Boolean.FALSE);
        case 'n':
          return word("null", null);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw error("unexpected '" + c + "'");
      }
    }

    Object word(String w, Object v) {
      if (!s.startsWith(w, at)) {
        throw error("expected " + w);
      }
      at += w.length();
      return v;
    }

    Double number() {
      int start = at;
      while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0) {
        at++;
      }
      try {
        return Double.valueOf(s.substring(start, at));
      } catch (NumberFormatException e) {
        at = start;
        throw error("malformed number");
      }
    }

    String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = peek();
        at++;
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = peek();
        at++;
        switch (e) {
          case 'n':
            b.append('\n');
            break;
          case 'r':
            b.append('\r');
            break;
          case 't':
            b.append('\t');
            break;
          case 'b':
            b.append('\b');
            break;
          case 'f':
            b.append('\f');
            break;
          case 'u':
            if (at + 4 > s.length()) {
              throw error("short \\u escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
            } catch (NumberFormatException x) {
              throw error("bad \\u escape");
            }
            at += 4;
            break;
          default:
            b.append(e); // \" \\ \/
        }
      }
    }

    List<Object> array() {
      expect('[');
      List<Object> l = new ArrayList<>();
      space();
      if (peek() == ']') {
        at++;
        return Collections.unmodifiableList(l);
      }
      while (true) {
        space();
        l.add(value());
        space();
        if (peek() == ',') {
          at++;
          continue;
        }
        expect(']');
        return Collections.unmodifiableList(l);
      }
    }

    Map<String, Object> object() {
      expect('{');
      Map<String, Object> m = new LinkedHashMap<>();
      space();
      if (peek() == '}') {
        at++;
        return Collections.unmodifiableMap(m);
      }
      while (true) {
        space();
        String k = string();
        space();
        expect(':');
        space();
        m.put(k, value());
        space();
        if (peek() == ',') {
          at++;
          continue;
        }
        expect('}');
        return Collections.unmodifiableMap(m);
      }
    }
  }
}
