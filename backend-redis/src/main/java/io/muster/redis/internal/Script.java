package io.muster.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script run atomically by Redis: by its SHA-1 (one short command), falling back to sending
 * the body when the server has not cached it (after a restart or {@code SCRIPT FLUSH}). The server
 * names the SHA-1 the first time ({@code SCRIPT LOAD}), which spares a fresh JVM the start of its
 * security providers.
 */
final class Script {
  static final Script JOIN = load("join.lua");
  static final Script TICK = load("tick.lua");
  static final Script LEAVE = load("leave.lua");
  static final Script PUSH = load("push.lua");

  private final String name;
  private final byte[] body;
  private volatile byte[] sha;

  private Script(String name, byte[] body) {
    this.name = name;
    this.body = body;
  }

  private static Script load(String name) {
    try (InputStream in = Script.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the script " + name + " is missing from the jar");
      }
      return new Script(name, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("reading the script " + name, e);
    }
  }

  Object run(UnifiedJedis client, List<byte[]> keys, List<byte[]> args) {
    byte[] known = sha;
    if (known == null) {
      known =
          client
              .scriptLoad(new String(body, StandardCharsets.UTF_8))
              .getBytes(StandardCharsets.US_ASCII);
      sha = known;
    }
    try {
      return client.evalsha(known, keys, args);
    } catch (JedisNoScriptException e) {
      return client.eval(body, keys, args);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
