package io.muster.cli;

import io.muster.spi.Durations;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option values people write: durations ({@code 30s}) and sizes ({@code 64MiB}). */
final class Converters {
  private Converters() {}

  /** {@code 250ms}, {@code 30s}, {@code 5m}; {@code 0} means no limit. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      if (value.trim().equals("0")) {
        return Duration.ZERO;
      }
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A byte count: {@code 1048576}, {@code 512KiB}, {@code 64MiB}, {@code 1GiB}. */
  static final class SizeConverter implements ITypeConverter<Integer> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kib|m|mib|g|gib)?");

    @Override
    public Integer convert(String value) {
      Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new TypeConversionException(
            "'" + value + "' is not a size; write bytes or a unit: 4096, 512KiB, 64MiB, 1GiB");
      }
      String unit = m.group(2) == null ? "b" : m.group(2);
      int shift =
          unit.startsWith("g") ? 30 : unit.startsWith("m") ? 20 : unit.startsWith("k") ? 10 : 0;
      long bytes;
      try {
        bytes = Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
      } catch (ArithmeticException | NumberFormatException e) {
        bytes = Long.MAX_VALUE;
      }
      // A Java array holds a little under 2 GiB.
      if (bytes > Integer.MAX_VALUE - 8) {
        throw new TypeConversionException("'" + value + "' is too large; the most is 2047MiB");
      }
      return (int) bytes;
    }
  }
}
