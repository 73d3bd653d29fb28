package io.muster.cli.demo;

/**
 * The ping-pong's result: {@code rounds} round trips of {@code bytes} each way took {@code nanos}.
 */
record PingPong(int bytes, int rounds, long nanos) {
  /** Bytes moved per second, both directions counted (message size over half a round trip). */
  double bytesPerSecond() {
    return nanos == 0 ? Double.POSITIVE_INFINITY : 2.0 * bytes * rounds / (nanos / 1e9);
  }
}
