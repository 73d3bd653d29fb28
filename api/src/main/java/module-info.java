/** Muster's public API, its provider SPI, and the in-process {@code local:} backend. */
module io.muster.api {
  requires org.slf4j;

  exports io.muster;
  exports io.muster.spi;

  uses io.muster.spi.BootstrapProvider;

  provides io.muster.spi.BootstrapProvider with
      io.muster.internal.local.LocalBootstrapProvider;
}
