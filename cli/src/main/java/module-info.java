/**
 * The {@code muster} command: demo, a local launcher, the coordinator and the live conformance
 * check.
 */
module io.muster.cli {
  requires io.muster.api;
  requires io.muster.tcp;
  requires io.muster.conformance;
  requires info.picocli;
  requires java.management;
  requires jdk.management;

  uses io.muster.spi.BootstrapProvider;

  opens io.muster.cli to
      info.picocli;

  exports io.muster.cli.launch;
}
