package io.muster.spi;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One URI query key: its name, type, default and a sentence for users. The same declaration drives
 * parsing, validation, error messages, documentation and the masking of secrets.
 *
 * @param <T> the parsed type
 */
public final class Option<T> {
  private final String name;
  private final T defaultValue;
  private final String description;
  private final boolean secret;
  private final Function<String, T> parser;

  private Option(
      String name, T defaultValue, String description, boolean secret, Function<String, T> parser) {
    this.name = Objects.requireNonNull(name);
    this.defaultValue = defaultValue;
    this.description = Objects.requireNonNull(description);
    this.secret = secret;
    this.parser = Objects.requireNonNull(parser);
  }

  /** A text value. */
  public static Option<String> text(String name, String defaultValue, String description) {
    return new Option<>(name, defaultValue, description, false, s -> s);
  }

  /** A whole number. */
  public static Option<Integer> integer(String name, Integer defaultValue, String description) {
    return new Option<>(
        name,
        defaultValue,
        description,
        false,
        s -> {
          try {
            return Integer.parseInt(s.trim());
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a whole number");
          }
        });
  }

  /** A duration such as {@code 250ms}, {@code 30s} or {@code 5m}. */
  public static Option<Duration> duration(String name, Duration defaultValue, String description) {
    return new Option<>(
        name,
        defaultValue,
        description,
        false,
        s -> {
          Duration d = Durations.parse(s);
          if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("'" + s + "' must be longer than zero");
          }
          return d;
        });
  }

  /** {@code true} or {@code false}. */
  public static Option<Boolean> bool(String name, Boolean defaultValue, String description) {
    return new Option<>(
        name,
        defaultValue,
        description,
        false,
        s -> {
          switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true":
            case "yes":
            case "1":
              return true;
            case "false":
            case "no":
            case "0":
              return false;
            default:
              throw new IllegalArgumentException("'" + s + "' is not true or false");
          }
        });
  }

  /** One of a fixed set of lower-case words. */
  public static Option<String> choice(
      String name, String defaultValue, String description, String... choices) {
    return new Option<>(
        name,
        defaultValue,
        description,
        false,
        s -> {
          for (String c : choices) {
            if (c.equals(s)) {
              return c;
            }
          }
          throw new IllegalArgumentException(
              "'" + s + "' is not one of " + String.join(", ", choices));
        });
  }

  /** The same option, whose value never appears in {@code toString()}, logs or messages. */
  public Option<T> asSecret() {
    return new Option<>(name, defaultValue, description, true, parser);
  }

  public String name() {
    return name;
  }

  /** The value used when the URI does not give one; may be {@code null}. */
  public T defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }

  public boolean isSecret() {
    return secret;
  }

  /**
   * Parses a raw value.
   *
   * @throws IllegalArgumentException saying what is wrong with the value
   */
  public T parse(String raw) {
    return parser.apply(raw);
  }

  @Override
  public String toString() {
    return name;
  }
}
