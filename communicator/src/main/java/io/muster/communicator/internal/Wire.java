package io.muster.communicator.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The framing of descriptors sent over the bootstrap: a magic number, a version and a kind, so a
 * message that is not the descriptor the receiver expects (the two ranks called things in a
 * different order on a tag) is a clear {@code PROTOCOL} error instead of garbage.
 */
public final class Wire {
  private static final int MAGIC = 0x4D55434D; // "MUCM"
  private static final byte VERSION = 1;

  /** What a descriptor describes. */
  public enum Kind {
    MEMORY("a registered-memory descriptor (sendMemory/recvMemory)"),
    ENDPOINT("an endpoint (connect)"),
    SEMAPHORE("a semaphore (buildSemaphore)");

    final String description;

    Kind(String description) {
      this.description = description;
    }
  }

  /** Writes a descriptor body. */
  public interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads a descriptor body. */
  public interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private Wire() {}

  public static byte[] encode(Kind kind, Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeByte(VERSION);
      out.writeByte(kind.ordinal());
      body.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen with a byte array
    }
    return bytes.toByteArray();
  }

  /**
   * Reads a descriptor of the {@code expected} kind that {@code peer} sent on {@code tag}.
   *
   * @throws BootstrapException {@code PROTOCOL} if the message is anything else
   */
  public static <T> T decode(byte[] message, Kind expected, int peer, int tag, Reader<T> reader) {
    String where = " from rank " + peer + " on tag " + tag;
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(message))) {
      if (message.length < 6 || in.readInt() != MAGIC) {
        throw new BootstrapException(
            Code.PROTOCOL,
            "expected "
                + expected.description
                + where
                + " but got a "
                + message.length
                + "-byte message that is no communicator descriptor: is that tag also used for"
                + " plain bootstrap messages?",
            java.util.List.of(peer));
      }
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new BootstrapException(
            Code.PROTOCOL,
            "rank "
                + peer
                + " speaks communicator descriptor version "
                + version
                + ", this rank version "
                + VERSION
                + ": run the same Muster version on every rank",
            java.util.List.of(peer));
      }
      int kind = in.readUnsignedByte();
      if (kind != expected.ordinal()) {
        String got = kind < Kind.values().length ? Kind.values()[kind].description : "kind " + kind;
        throw new BootstrapException(
            Code.PROTOCOL,
            "expected "
                + expected.description
                + where
                + " but got "
                + got
                + ": both ranks must make their communicator calls on a tag in the same order",
            java.util.List.of(peer));
      }
      T value = reader.read(in);
      if (in.available() != 0) {
        throw new IOException(in.available() + " unexpected trailing bytes");
      }
      return value;
    } catch (IOException e) {
      throw new BootstrapException(
          Code.PROTOCOL,
          "corrupt " + expected.description + where + ": " + e.getMessage(),
          java.util.List.of(peer),
          e);
    }
  }
}
