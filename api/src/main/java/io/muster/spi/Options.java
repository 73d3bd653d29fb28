package io.muster.spi;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The validated query options of one URI: every key known, every value parsed. Unknown keys and bad
 * values are rejected when it is built, naming the key and the valid ones.
 */
public final class Options {
  private final Map<String, Option<?>> known;
  private final Map<String, Object> values;

  private Options(Map<String, Option<?>> known, Map<String, Object> values) {
    this.known = known;
    this.values = values;
  }

  /**
   * Validates a URI's query against the options a backend accepts.
   *
   * @throws BootstrapException with code {@code CONFIG} for an unknown key or a bad value
   */
  public static Options parse(BootstrapUri uri, Collection<Option<?>> accepted) {
    Map<String, Option<?>> known = new LinkedHashMap<>();
    for (Option<?> o : accepted) {
      known.put(o.name(), o);
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : uri.query().entrySet()) {
      Option<?> option = known.get(e.getKey());
      if (option == null) {
        throw new BootstrapException(
            Code.CONFIG,
            "unknown key '"
                + e.getKey()
                + "' in "
                + uri
                + "; the "
                + uri.scheme()
                + ": backend accepts "
                + String.join(", ", known.keySet()));
      }
      try {
        values.put(option.name(), option.parse(e.getValue()));
      } catch (IllegalArgumentException bad) {
        String shown = option.isSecret() ? "****" : e.getValue();
        throw new BootstrapException(
            Code.CONFIG,
            "bad value for '"
                + option.name()
                + "' in "
                + uri
                + ": "
                + (option.isSecret() ? "the value" : "'" + shown + "'")
                + " is not valid ("
                + bad.getMessage().replace(e.getValue(), shown)
                + "); the key means: "
                + option.description());
      }
    }
    return new Options(known, values);
  }

  /** Options with no key set, for backends opened without a URI. */
  public static Options defaults(Collection<Option<?>> accepted) {
    Map<String, Option<?>> known = new LinkedHashMap<>();
    for (Option<?> o : accepted) {
      known.put(o.name(), o);
    }
    return new Options(known, new LinkedHashMap<>());
  }

  /** The value the URI gives, or the option's default. */
  @SuppressWarnings("unchecked")
  public <T> T get(Option<T> option) {
    Object v = values.get(option.name());
    return v == null ? option.defaultValue() : (T) v;
  }

  /** Whether the URI gives a value for this option. */
  public boolean isSet(Option<?> option) {
    return values.containsKey(option.name());
  }

  /** A copy with one value replaced (used to fill values from the environment). */
  public <T> Options with(Option<T> option, T value) {
    Map<String, Object> copy = new LinkedHashMap<>(values);
    copy.put(option.name(), value);
    Map<String, Option<?>> k = new LinkedHashMap<>(known);
    k.putIfAbsent(option.name(), option);
    return new Options(k, copy);
  }

  /** The options this backend accepts. */
  public List<Option<?>> accepted() {
    return List.copyOf(known.values());
  }

  /** The set values, secrets masked. */
  @Override
  public String toString() {
    StringJoiner j = new StringJoiner(", ", "{", "}");
    values.forEach(
        (k, v) -> {
          Option<?> o = known.get(k);
          j.add(k + "=" + (o != null && o.isSecret() ? "****" : v));
        });
    return j.toString();
  }
}
