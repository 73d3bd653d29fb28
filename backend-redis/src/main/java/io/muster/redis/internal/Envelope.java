package io.muster.redis.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One entry of a rank's inbox list: a piece of a message, or news about a rank. A message longer
 * than {@link #CHUNK} bytes travels as several pieces, each well under Redis's 512 MB bulk limit,
 * and is whole again once its last piece arrives. Layout of a piece (big-endian):
 *
 * <pre>
 *   'M' 'R' version kind(D) | from i32 | tag i32 | message id i64 | piece i32 | pieces i32
 *   | message length i32 | bytes of this piece
 * </pre>
 *
 * News entries are the text {@code lost:R} or {@code left:R}, written by the heartbeat script.
 */
final class Envelope {
  /** Payload bytes per piece. */
  static final int CHUNK = 16 << 20;

  static final int HEADER = 32;
  private static final byte VERSION = 1;
  private static final byte DATA = 'D';

  final int from;
  final int tag;
  final long id;
  final int piece;
  final int pieces;
  final int length;
  final byte[] entry;

  private Envelope(int from, int tag, long id, int piece, int pieces, int length, byte[] entry) {
    this.from = from;
    this.tag = tag;
    this.id = id;
    this.piece = piece;
    this.pieces = pieces;
    this.length = length;
    this.entry = entry;
  }

  /** How many pieces a message of {@code length} bytes takes. */
  static int pieces(int length) {
    return Math.max(1, (int) ((length + (long) CHUNK - 1) / CHUNK));
  }

  /** Encodes piece {@code piece} of {@code message}. */
  static byte[] encode(int from, int tag, long id, int piece, byte[] message) {
    int pieces = pieces(message.length);
    int offset = piece * CHUNK;
    int n = Math.min(CHUNK, message.length - offset);
    ByteBuffer b = ByteBuffer.allocate(HEADER + n);
    b.put((byte) 'M').put((byte) 'R').put(VERSION).put(DATA);
    b.putInt(from).putInt(tag).putLong(id).putInt(piece).putInt(pieces).putInt(message.length);
    b.put(message, offset, n);
    return b.array();
  }

  /** Whether {@code entry} is a piece of a message (else news, or garbage). */
  static boolean isPiece(byte[] entry) {
    return entry.length >= 4 && entry[0] == 'M' && entry[1] == 'R' && entry[3] == DATA;
  }

  /**
   * Decodes a piece, checking every field against the others and against {@code maxLength}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static Envelope decode(byte[] entry, int size, int maxLength) {
    if (entry.length < HEADER) {
      throw new IllegalArgumentException("a piece of " + entry.length + " bytes is too short");
    }
    if (entry[2] != VERSION) {
      throw new IllegalArgumentException(
          "a piece of format version " + entry[2] + " (this rank speaks " + VERSION + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(entry, 4, HEADER - 4);
    int from = b.getInt();
    int tag = b.getInt();
    long id = b.getLong();
    int piece = b.getInt();
    int pieces = b.getInt();
    int length = b.getInt();
    if (from < 0 || from >= size) {
      throw new IllegalArgumentException(
          "a piece from rank " + from + ", outside 0.." + (size - 1));
    }
    if (length < 0 || length > maxLength) {
      throw new IllegalArgumentException(
          "a message of " + length + " bytes, above the limit of " + maxLength);
    }
    if (pieces != pieces(length) || piece < 0 || piece >= pieces) {
      throw new IllegalArgumentException(
          "piece " + piece + " of " + pieces + " for a message of " + length + " bytes");
    }
    int expected = Math.min(CHUNK, length - piece * CHUNK);
    if (entry.length - HEADER != expected) {
      throw new IllegalArgumentException(
          "piece " + piece + " holds " + (entry.length - HEADER) + " bytes, not " + expected);
    }
    return new Envelope(from, tag, id, piece, pieces, length, entry);
  }

  /** Parses news ({@code lost:R}, {@code left:R}); {@code null} when {@code entry} is not news. */
  static News news(byte[] entry) {
    if (entry.length > 32) {
      return null;
    }
    String s = new String(entry, StandardCharsets.US_ASCII);
    boolean left = s.startsWith("left:");
    if (!left && !s.startsWith("lost:")) {
      return null;
    }
    try {
      return new News(left, Integer.parseInt(s.substring(5)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A rank that left ({@code left}) or was lost. */
  record News(boolean left, int rank) {}
}
