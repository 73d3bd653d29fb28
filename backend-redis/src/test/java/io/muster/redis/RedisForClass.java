package io.muster.redis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link RedisServer} for a whole test class (its nested classes included): register it as a
 * static {@code @RegisterExtension} field and give each group a new job name.
 */
final class RedisForClass implements BeforeAllCallback, AfterAllCallback {
  private final String query;
  private RedisServer server;

  /**
   * @param query added to every group's URI after its {@code job=}, such as {@code transport=redis}
   */
  RedisForClass(String query) {
    this.query = query;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = RedisServer.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    server.close();
  }

  /** The URI of a new group: a job name no other group of the run has. */
  String newGroup() {
    return server.uri("job=" + RedisGroups.job() + (query.isEmpty() ? "" : "&" + query));
  }
}
