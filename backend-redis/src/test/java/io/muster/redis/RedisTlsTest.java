package io.muster.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.conformance.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;

/** {@code rediss://}: a redis-server with TLS only, its certificate signed by a test CA. */
class RedisTlsTest {
  @TempDir static Path certs;
  static RedisServer redis;
  static RedisServer misnamed;

  @BeforeAll
  static void start() throws Exception {
    Path openssl = Prerequisites.require("openssl", "openssl");
    run(
        openssl,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=muster-test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    run(
        keytool,
        "-importcert",
        "-noprompt",
        "-file",
        "ca.pem",
        "-alias",
        "ca",
        "-keystore",
        "ca.p12",
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    serverCertificate(openssl, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    serverCertificate(openssl, "other", "subjectAltName=DNS:elsewhere.example");
    redis = tlsServer("server");
    misnamed = tlsServer("other");
    redis.clientConfig(
        DefaultJedisClientConfig.builder()
            .sslOptions(
                SslOptions.builder()
                    .truststore(certs.resolve("ca.p12").toFile(), "changeit".toCharArray())
                    .trustStoreType("PKCS12")
                    .sslVerifyMode(SslVerifyMode.FULL)
                    .build())
            .build());
  }

  private static void serverCertificate(Path openssl, String name, String names) throws Exception {
    run(
        openssl,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=" + name,
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr");
    Files.writeString(certs.resolve(name + ".ext"), names + "\n");
    run(
        openssl,
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        name + ".ext",
        "-out",
        name + ".pem");
  }

  private static RedisServer tlsServer(String name) throws IOException {
    int port = RedisServer.freePort();
    return RedisServer.start(
        port,
        "--port",
        "0",
        "--tls-port",
        String.valueOf(port),
        "--tls-cert-file",
        certs.resolve(name + ".pem").toString(),
        "--tls-key-file",
        certs.resolve(name + ".key").toString(),
        "--tls-ca-cert-file",
        certs.resolve("ca.pem").toString(),
        "--tls-auth-clients",
        "no");
  }

  private static void run(Path program, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(program.toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(certs.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
    if (misnamed != null) {
      misnamed.close();
    }
  }

  private static String uri(RedisServer server, String host, String query) {
    return "rediss://" + host + ":" + server.port() + "?" + query;
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "redis"})
  void ranksMeetOverTlsWhenTheyTrustTheServersCa(String transport) throws Exception {
    String job = RedisGroups.job();
    String ca = certs.resolve("ca.pem").toString();
    RedisGroups.run(
        uri(redis, "localhost", "job=" + job + "&transport=" + transport + "&cacert=" + ca),
        3,
        b -> {
          List<byte[]> all = b.allGather(new byte[] {(byte) b.rank()});
          for (int r = 0; r < 3; r++) {
            assertArrayEquals(new byte[] {(byte) r}, all.get(r));
          }
        });
    assertEquals(Set.of(), redis.keys("muster:*"));
  }

  @Test
  void anUntrustedCertificateIsAConfigError() {
    BootstrapException e =
        assertThrows(
            BootstrapException.class,
            () -> Bootstrap.open(uri(redis, "127.0.0.1", "job=j&timeout=60s"), 0, 2));
    assertEquals(Code.CONFIG, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("cacert="), e.getMessage());
  }

  @Test
  void aCertificateForAnotherHostIsAConfigError() {
    String ca = certs.resolve("ca.pem").toString();
    BootstrapException e =
        assertThrows(
            BootstrapException.class,
            () -> Bootstrap.open(uri(misnamed, "127.0.0.1", "job=j&cacert=" + ca), 0, 2));
    assertEquals(Code.CONFIG, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("TLS"), e.getMessage());
  }

  @Test
  void plainRedisAtATlsPortIsUnavailableWithAHint() {
    BootstrapException e =
        assertThrows(
            BootstrapException.class,
            () -> Bootstrap.open("redis://127.0.0.1:" + redis.port() + "?job=j&timeout=60s", 0, 2));
    assertEquals(Code.UNAVAILABLE, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("rediss://"), e.getMessage());
  }
}
