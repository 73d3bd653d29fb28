package io.muster.tcp.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opening of every link. The dialling side sends HELLO (magic, version, purpose, job, ranks,
 * nonce); the answering side replies WELCOME with its own nonce and an HMAC over both, proving it
 * knows the token; the dialler answers PROOF, the same in reverse, and the answerer confirms with
 * ACCEPTED. A stranger without the token can neither join nor pose as a rank; bytes that are not a
 * HELLO are dropped with a log line before anything is allocated for them.
 */
public final class Handshake {
  private static final Logger log = LoggerFactory.getLogger(Handshake.class);
  private static final int NONCE = 16;
  private static final byte[] NO_TOKEN = "muster:no-token".getBytes(StandardCharsets.UTF_8);

  private Handshake() {}

  /** The HMAC key for a token, or a fixed one without (the job is then still checked). */
  public static byte[] key(String token) {
    return token == null || token.isEmpty() ? NO_TOKEN : token.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A fresh challenge. Only a token's HMAC makes it matter, so without one it need not be
   * unpredictable, and a fresh JVM's open is spared seeding a SecureRandom (milliseconds).
   */
  static byte[] nonce(byte[] key) {
    byte[] n = new byte[NONCE];
    if (key == NO_TOKEN) {
      java.util.concurrent.ThreadLocalRandom.current().nextBytes(n);
    } else {
      Secure.RANDOM.nextBytes(n);
    }
    return n;
  }

  /** Holds the SecureRandom, made on first use with a token. */
  private static final class Secure {
    static final SecureRandom RANDOM = new SecureRandom();
  }

  static byte[] mac(byte[] key, char role, byte[] first, byte[] second, Hello h) {
    if (key == NO_TOKEN) {
      // Without a token an HMAC proves nothing (the job is checked in the clear), and the JCE's
      // first use costs tens of milliseconds in a fresh JVM: send a blank proof instead.
      return new byte[32];
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((byte) role);
      mac.update(first);
      mac.update(second);
      mac.update(h.job.getBytes(StandardCharsets.UTF_8));
      mac.update(new Wire.Out().i8(h.purpose).i32(h.from).i32(h.to).toBytes());
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new BootstrapException(Code.INTERNAL, "HMAC-SHA256 is not available: " + e, e);
    }
  }

  /** What a HELLO says. */
  public static final class Hello {
    public final byte purpose;
    public final String job;
    public final int from;
    public final int to;
    final byte[] nonce;

    Hello(byte purpose, String job, int from, int to, byte[] nonce) {
      this.purpose = purpose;
      this.job = job;
      this.from = from;
      this.to = to;
      this.nonce = nonce;
    }

    byte[] encode() {
      return new Wire.Out()
          .i32(Wire.MAGIC)
          .i16(Wire.VERSION)
          .i8(purpose)
          .str(job)
          .i32(from)
          .i32(to)
          .bytes(nonce)
          .toBytes();
    }
  }

  // ---------------------------------------------------------------- dialling side

  /** What the dialling side learns. Called on the loop thread. */
  public interface DialResult {
    /** Accepted: the callee must {@code become} its listener on the link before returning. */
    void established(Link link);

    /**
     * The handshake failed.
     *
     * @param retry whether trying again may help (the connection dropped, nothing was refused)
     */
    void failed(Link link, BootstrapException cause, boolean retry);

    /** The callee is dialling us at the same time and its connection wins: wait for it. */
    default void yielded(Link link) {
      failed(link, new BootstrapException(Code.PROTOCOL, link.remote() + " yielded"), false);
    }
  }

  /** The REJECT code that means "I am dialling you too; my connection wins". */
  static final int YIELD = 255;

  /** The dialling side's listener until the link is accepted. */
  public static final class Dialer implements Link.Listener {
    private final Hello hello;
    private final byte[] key;
    private final DialResult result;
    private boolean done;

    public Dialer(byte purpose, String job, int from, int to, byte[] key, DialResult result) {
      this.hello = new Hello(purpose, job, from, to, nonce(key));
      this.key = key;
      this.result = result;
    }

    @Override
    public void onConnected(Link link) {
      try {
        link.send(Wire.HELLO, 0, hello.encode());
      } catch (IOException e) {
        link.closeQuietly(e);
      }
    }

    @Override
    public void onFrame(Link link, byte type, int tag, byte[] payload) {
      String from = link.remote();
      try {
        switch (type) {
          case Wire.WELCOME:
            {
              Wire.In in = new Wire.In(payload, from);
              checkMagic(in.i32(), in.i16(), from);
              byte[] theirs = in.bytes(NONCE);
              byte[] proof = in.bytes(32);
              if (!MessageDigest.isEqual(proof, mac(key, 'A', hello.nonce, theirs, hello))) {
                BootstrapException e =
                    new BootstrapException(
                        Code.CONFIG,
                        from
                            + " holds a different token for job '"
                            + hello.job
                            + "': give every rank the same token= (or MUSTER_TOKEN)");
                link.send(Wire.REJECT, 0, Wire.failure(e)); // so the other side fails fast too
                throw e;
              }
              link.send(Wire.PROOF, 0, mac(key, 'C', theirs, hello.nonce, hello));
              return;
            }
          case Wire.ACCEPTED:
            done = true;
            result.established(link);
            return;
          case Wire.REJECT:
            done = true;
            if (payload.length > 0 && (payload[0] & 0xFF) == YIELD) {
              result.yielded(link);
            } else {
              result.failed(link, Wire.failure(payload, from), false);
            }
            link.closeQuietly(new IOException("rejected by " + from));
            return;
          default:
            throw new BootstrapException(
                Code.PROTOCOL, from + " sent " + Wire.typeName(type) + " during the handshake");
        }
      } catch (BootstrapException e) {
        done = true;
        result.failed(link, e, false);
        link.closeQuietly(new IOException(e.getMessage()));
      } catch (IOException e) {
        link.closeQuietly(e);
      }
    }

    @Override
    public void onClosed(Link link, Exception cause) {
      if (!done) {
        done = true;
        result.failed(
            link,
            new BootstrapException(
                Code.UNAVAILABLE,
                "the connection to " + link.remote() + " closed during the handshake: " + cause),
            true);
      }
    }
  }

  private static void checkMagic(int magic, int version, String from) {
    if (magic != Wire.MAGIC) {
      throw new BootstrapException(Code.PROTOCOL, from + " is not a Muster endpoint");
    }
    if (version != Wire.VERSION) {
      throw new BootstrapException(
          Code.PROTOCOL,
          from
              + " speaks Muster wire version "
              + version
              + ", this rank "
              + Wire.VERSION
              + ": run the same Muster version on every rank");
    }
  }

  // ---------------------------------------------------------------- answering side

  /** Decides about HELLOs on an endpoint. Called on the loop thread. */
  public interface Gatekeeper {
    /**
     * Decides about a HELLO: return the HMAC key to go on with, throw to refuse it (the exception
     * travels to the dialler), or return {@code null} to decide later through {@link
     * Answerer#proceed} or {@link Answerer#refuse}.
     */
    byte[] admit(Hello hello, Answerer answerer);

    /** The dialler proved it knows the token; {@code become} a listener on the link now. */
    void established(Link link, Hello hello);

    /** The dialler failed the proof: a token or job mismatch. */
    default void refused(Hello hello, BootstrapException why) {}

    /** A dialler that said HELLO went away before the link was established. */
    default void abandoned(Hello hello, Link link) {}
  }

  /** The answering side's listener until the link is established. */
  public static final class Answerer implements Link.Listener {
    private final Gatekeeper gate;
    private final String endpoint;
    private final long openedNanos = System.nanoTime();
    private Link link;
    private Hello hello;
    private byte[] key;
    private byte[] mine;

    public Answerer(Gatekeeper gate, String endpoint) {
      this.gate = gate;
      this.endpoint = endpoint;
    }

    /** When this connection was accepted; stale handshakes are closed by their endpoint. */
    public long openedNanos() {
      return openedNanos;
    }

    /** The HELLO read, or null before it. */
    public Hello hello() {
      return hello;
    }

    void attach(Link l) {
      link = l;
    }

    /** Whether the HELLO has been read (a dialler that is a Muster rank). */
    public boolean greeted() {
      return hello != null;
    }

    @Override
    public void onFrame(Link l, byte type, int tag, byte[] payload) {
      link = l;
      try {
        if (hello == null) {
          if (type != Wire.HELLO) {
            drop(l, "its first frame is not a HELLO (type " + type + ")");
            return;
          }
          Wire.In in = new Wire.In(payload, l.remote());
          int magic = in.i32();
          if (magic != Wire.MAGIC) {
            drop(l, "no Muster magic");
            return;
          }
          int version = in.i16();
          hello = new Hello((byte) in.i8(), in.str(), in.i32(), in.i32(), in.bytes(NONCE));
          checkMagic(magic, version, l.remote());
          byte[] k = gate.admit(hello, this);
          if (k != null) {
            proceed(k);
          }
          return;
        }
        if (type == Wire.REJECT && key != null) {
          BootstrapException why = Wire.failure(payload, l.remote());
          gate.refused(
              hello,
              new BootstrapException(
                  why.code(),
                  "rank " + hello.from + " at " + l.remote() + " refused us: " + why.getMessage()));
          l.closeQuietly(new IOException("refused by the dialler"));
          return;
        }
        if (type != Wire.PROOF || key == null) {
          throw new BootstrapException(
              Code.PROTOCOL, l.remote() + " sent " + Wire.typeName(type) + " out of turn");
        }
        if (!MessageDigest.isEqual(payload, mac(key, 'C', mine, hello.nonce, hello))) {
          BootstrapException why =
              new BootstrapException(
                  Code.CONFIG,
                  "rank "
                      + hello.from
                      + " at "
                      + l.remote()
                      + " presented a different token for job '"
                      + hello.job
                      + "': give every rank the same token= (or MUSTER_TOKEN)");
          gate.refused(hello, why);
          refuse(why);
          return;
        }
        l.send(Wire.ACCEPTED, 0, new byte[0]);
        gate.established(l, hello);
      } catch (BootstrapException e) {
        if (hello == null) {
          drop(l, e.getMessage());
        } else {
          refuse(e);
        }
      } catch (IOException e) {
        l.closeQuietly(e);
      }
    }

    /** Goes on with a deferred HELLO. Call on the loop thread. */
    public void proceed(byte[] k) {
      key = k;
      mine = nonce(k);
      try {
        link.send(
            Wire.WELCOME,
            0,
            new Wire.Out()
                .i32(Wire.MAGIC)
                .i16(Wire.VERSION)
                .bytes(mine)
                .bytes(mac(k, 'A', hello.nonce, mine, hello))
                .toBytes());
      } catch (IOException e) {
        link.closeQuietly(e);
      }
    }

    /** Tells the dialler that our own connection to it wins. Call on the loop thread. */
    public void yieldTo() {
      try {
        link.send(Wire.REJECT, 0, new byte[] {(byte) YIELD});
      } catch (IOException e) {
        log.debug("could not send YIELD to {}", link.remote(), e);
      }
      link.closeQuietly(new IOException("simultaneous connect: the other connection wins"));
    }

    /** Refuses the dialler with a reason it will see. Call on the loop thread. */
    public void refuse(BootstrapException why) {
      try {
        link.send(Wire.REJECT, 0, Wire.failure(why));
      } catch (IOException e) {
        log.debug("could not send REJECT to {}", link.remote(), e);
      }
      link.closeQuietly(new IOException("refused: " + why.getMessage()));
    }

    private void drop(Link l, String why) {
      log.warn("dropped a connection from {} to {}: {}", l.remote(), endpoint, why);
      l.closeQuietly(new IOException("not a Muster connection: " + why));
    }

    @Override
    public void onClosed(Link l, Exception cause) {
      if (hello != null) {
        gate.abandoned(hello, l);
      }
      if (hello == null && !(cause instanceof java.io.EOFException)) {
        log.warn(
            "dropped a connection from {} to {}: {}", l.remote(), endpoint, cause.getMessage());
      } else {
        log.debug("handshake with {} ended: {}", l.remote(), cause.toString());
      }
    }

    Link link() {
      return link;
    }
  }
}
