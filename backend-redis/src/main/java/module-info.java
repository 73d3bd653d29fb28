/** The {@code redis://} backend: ranks meet through Redis; TCP or Redis itself carries messages. */
@SuppressWarnings("requires-automatic") // Jedis and commons-pool2 ship no module-info
module io.muster.redis {
  requires transitive io.muster.api;
  requires io.muster.tcp;
  requires redis.clients.jedis;
  requires org.apache.commons.pool2;
  requires org.slf4j;

  exports io.muster.redis;

  provides io.muster.spi.BootstrapProvider with
      io.muster.redis.RedisBootstrapProvider;
}
