package io.muster.tcp;

import io.muster.Bootstrap;

/**
 * Test access to {@link TcpBootstrap#crash()}, which is package-private: a rank of a TCP-carried
 * group dies at once, dropping its connections and its membership without a word. The tests of this
 * module run on the class path, where this class shares the package.
 */
public final class TcpCrash {
  private TcpCrash() {}

  public static void crash(Bootstrap b) {
    ((TcpBootstrap) b).crash();
  }
}
