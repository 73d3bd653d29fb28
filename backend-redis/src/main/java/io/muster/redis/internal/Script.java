package io.muster.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.CommandObjects;
import redis.clients.jedis.Connection;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script run atomically by Redis: by its SHA-1 (one short command), falling back to sending
 * the body when the server has not cached it yet (after a restart or {@code SCRIPT FLUSH}).
 */
final class Script {
  static final Script JOIN = load("join.lua");
  static final Script TICK = load("tick.lua");
  static final Script LEAVE = load("leave.lua");
  static final Script PUSH = load("push.lua");

  private final String name;
  private final byte[] body;
  private final byte[] sha;

  private Script(String name, byte[] body) {
    this.name = name;
    this.body = body;
    try {
      this.sha =
          HexFormat.of()
              .formatHex(MessageDigest.getInstance("SHA-1").digest(body))
              .getBytes(StandardCharsets.US_ASCII);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-1 in this JVM", e);
    }
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
    try {
      return client.evalsha(sha, keys, args);
    } catch (JedisNoScriptException e) {
      return client.eval(body, keys, args);
    }
  }

  Object run(Connection connection, CommandObjects commands, List<byte[]> keys, List<byte[]> args) {
    try {
      return connection.executeCommand(commands.evalsha(sha, keys, args));
    } catch (JedisNoScriptException e) {
      return connection.executeCommand(commands.eval(body, keys, args));
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
