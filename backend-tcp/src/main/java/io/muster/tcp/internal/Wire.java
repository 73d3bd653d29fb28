package io.muster.tcp.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire format. Every frame is {@code [int length][byte type][int tag][length bytes]}, big
 * endian; the length is checked against the link's limit before anything is allocated. A link
 * starts with a handshake (HELLO, WELCOME, PROOF, ACCEPTED or REJECT) that checks the magic, the
 * version, the job and, through an HMAC challenge on both sides, the shared token.
 */
public final class Wire {
  public static final int MAGIC = 0x4D535452; // "MSTR"
  public static final short VERSION = 1;
  public static final int HEADER = 9;

  /** The largest handshake frame; anything bigger on a new connection is not ours. */
  public static final int HANDSHAKE_LIMIT = 4096;

  /** The largest frame on a coordinator link. */
  public static final int CONTROL_LIMIT = 16 << 20;

  // Handshake.
  public static final byte HELLO = 1;
  public static final byte WELCOME = 2;
  public static final byte PROOF = 3;
  public static final byte ACCEPTED = 4;
  public static final byte REJECT = 5;

  // Peer links.
  public static final byte DATA = 10;
  public static final byte GOODBYE = 11;

  // Both link kinds.
  public static final byte HEARTBEAT = 12;

  // Coordinator links.
  public static final byte JOIN = 20;
  public static final byte ROSTER = 21;
  public static final byte FAIL = 22;
  public static final byte LOOKUP = 23;
  public static final byte ADDRESS = 24;
  public static final byte LOST = 25;
  public static final byte LEFT = 26;
  public static final byte LEAVE = 27;
  public static final byte SHUTDOWN = 28;

  /** What a HELLO asks for. */
  public static final byte PURPOSE_PEER = 1;

  public static final byte PURPOSE_JOIN = 2;

  private Wire() {}

  static String typeName(int type) {
    switch (type) {
      case HELLO:
        return "HELLO";
      case WELCOME:
        return "WELCOME";
      case PROOF:
        return "PROOF";
      case ACCEPTED:
        return "ACCEPTED";
      case REJECT:
        return "REJECT";
      case DATA:
        return "DATA";
      case GOODBYE:
        return "GOODBYE";
      case HEARTBEAT:
        return "HEARTBEAT";
      default:
        return "type " + type;
    }
  }

  /** A growing buffer for composing payloads. */
  public static final class Out {
    private ByteBuffer buf = ByteBuffer.allocate(64);

    private void room(int n) {
      if (buf.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    public Out i8(int v) {
      room(1);
      buf.put((byte) v);
      return this;
    }

    public Out i16(int v) {
      room(2);
      buf.putShort((short) v);
      return this;
    }

    public Out i32(int v) {
      room(4);
      buf.putInt(v);
      return this;
    }

    public Out i64(long v) {
      room(8);
      buf.putLong(v);
      return this;
    }

    public Out bytes(byte[] b) {
      room(b.length);
      buf.put(b);
      return this;
    }

    public Out str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      i32(b.length);
      return bytes(b);
    }

    public Out address(InetSocketAddress a) {
      byte[] ip = a.getAddress().getAddress();
      i8(ip.length);
      bytes(ip);
      return i16(a.getPort());
    }

    public Out ranks(List<Integer> ranks) {
      i32(ranks.size());
      for (int r : ranks) {
        i32(r);
      }
      return this;
    }

    public byte[] toBytes() {
      byte[] out = new byte[buf.position()];
      System.arraycopy(buf.array(), 0, out, 0, out.length);
      return out;
    }
  }

  /** Reads a payload; any shortfall or nonsense is a {@code PROTOCOL} error. */
  public static final class In {
    private final ByteBuffer buf;
    private final String from;

    public In(byte[] payload, String from) {
      this.buf = ByteBuffer.wrap(payload);
      this.from = from;
    }

    public int i8() {
      try {
        return buf.get();
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    public int i16() {
      try {
        return buf.getShort() & 0xFFFF;
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    public int i32() {
      try {
        return buf.getInt();
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    public long i64() {
      try {
        return buf.getLong();
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    public byte[] bytes(int n) {
      if (n < 0 || n > buf.remaining()) {
        throw truncated();
      }
      byte[] b = new byte[n];
      buf.get(b);
      return b;
    }

    public String str() {
      return new String(bytes(i32()), StandardCharsets.UTF_8);
    }

    public InetSocketAddress address() {
      int len = i8();
      if (len != 4 && len != 16) {
        throw new BootstrapException(Code.PROTOCOL, "bad address length " + len + " from " + from);
      }
      byte[] ip = bytes(len);
      int port = i16();
      try {
        return new InetSocketAddress(InetAddress.getByAddress(ip), port);
      } catch (UnknownHostException e) {
        throw new BootstrapException(Code.PROTOCOL, "bad address from " + from, e);
      }
    }

    public List<Integer> ranks() {
      int n = i32();
      if (n < 0 || n > buf.remaining() / 4) {
        throw truncated();
      }
      List<Integer> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(i32());
      }
      return out;
    }

    private BootstrapException truncated() {
      return new BootstrapException(
          Code.PROTOCOL, "truncated or corrupt message from " + from + "; is it a Muster peer?");
    }
  }

  /** A failure, as it travels in REJECT and FAIL frames. */
  public static byte[] failure(BootstrapException e) {
    return new Out().i8(e.code().ordinal()).str(e.getMessage()).ranks(e.ranks()).toBytes();
  }

  /** Reads a failure written by {@link #failure}. */
  public static BootstrapException failure(byte[] payload, String from) {
    In in = new In(payload, from);
    int code = in.i8();
    Code[] codes = Code.values();
    Code c = code >= 0 && code < codes.length ? codes[code] : Code.PROTOCOL;
    String message = in.str();
    return new BootstrapException(c, message, in.ranks());
  }
}
