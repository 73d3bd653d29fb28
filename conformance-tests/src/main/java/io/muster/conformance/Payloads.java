package io.muster.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Message contents that say where they came from: every byte depends on its position and a seed, so
 * a lost, duplicated, reordered or mixed-up piece of a message is caught by {@link #check}.
 */
final class Payloads {
  private Payloads() {}

  /** A seed from two numbers (rank, purpose, sequence...). */
  static long seed(long a, long b) {
    return a * 1_000_003L + b;
  }

  static byte[] make(int length, long seed) {
    byte[] a = new byte[length];
    fill(a, seed);
    return a;
  }

  static void fill(byte[] a, long seed) {
    int s = mix(seed);
    for (int i = 0; i < a.length; i++) {
      a[i] = (byte) (((i ^ s) * 0x9E3779B1) >>> 24);
    }
  }

  /** Fails unless {@code actual} is exactly {@code make(length, seed)}. */
  static void check(byte[] actual, int length, long seed, String what) {
    if (actual == null) {
      fail(what + ": got null instead of " + length + " bytes");
    }
    if (actual.length != length) {
      fail(what + ": got " + actual.length + " bytes, expected " + length);
    }
    int s = mix(seed);
    for (int i = 0; i < actual.length; i++) {
      byte expected = (byte) (((i ^ s) * 0x9E3779B1) >>> 24);
      if (actual[i] != expected) {
        fail(
            what
                + ": byte "
                + i
                + " of "
                + length
                + " is "
                + actual[i]
                + ", expected "
                + expected
                + " (the message is corrupt, reordered or another one)");
      }
    }
  }

  private static int mix(long seed) {
    long z = seed * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
    return (int) (z ^ (z >>> 29));
  }

  /** A small message of ints, such as (sender, tag, sequence), padded to {@code length} bytes. */
  static byte[] header(int length, int... fields) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(length, 4 * fields.length));
    for (int f : fields) {
      b.putInt(f);
    }
    return b.array();
  }

  /** The first {@code count} ints of a {@link #header} message. */
  static int[] fields(byte[] message, int count, String what) {
    if (message == null || message.length < 4 * count) {
      fail(
          what
              + ": expected a message of at least "
              + 4 * count
              + " bytes, got "
              + (message == null ? "null" : message.length + " bytes"));
    }
    ByteBuffer b = ByteBuffer.wrap(message);
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = b.getInt();
    }
    return out;
  }

  static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
