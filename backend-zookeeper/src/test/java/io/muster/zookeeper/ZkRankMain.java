package io.muster.zookeeper;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One rank in its own JVM, for {@link ZkProcessTest}. Arguments: {@code URI RANK SIZE ROLE}, where
 * ROLE is {@code gather} (all-gather, print the result, close), {@code victim} (open, then wait to
 * be killed) or {@code survivor:V} (open, then wait for a message from rank V and print how that
 * ended). Lines for the parent start with {@code #zk}. The process exits when its standard input
 * closes, so it never outlives the test.
 */
public final class ZkRankMain {
  private ZkRankMain() {}

  public static void main(String[] args) throws Exception {
    Thread watchParent =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // nothing is sent; only the end matters
                }
              } catch (IOException e) {
                // the same as the end
              }
              Runtime.getRuntime().halt(3);
            },
            "watch-parent");
    watchParent.setDaemon(true);
    watchParent.start();

    String uri = args[0];
    int rank = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    String role = args[3];
    int status = 0;
    try (Bootstrap b = Bootstrap.open(uri, rank, size)) {
      say("open " + b.rank());
      if (role.equals("gather")) {
        List<byte[]> all = b.allGather(("from " + b.rank()).getBytes(StandardCharsets.UTF_8));
        StringBuilder s = new StringBuilder("gathered");
        for (byte[] m : all) {
          s.append(' ').append(new String(m, StandardCharsets.UTF_8).replace(' ', '-'));
        }
        say(s.toString());
      } else if (role.equals("victim")) {
        b.recv(b.rank(), 0, Duration.ofMinutes(5)); // until killed
      } else if (role.startsWith("survivor:")) {
        int victim = Integer.parseInt(role.substring("survivor:".length()));
        try {
          b.recv(victim, 7, Duration.ofSeconds(60));
          say("outcome none");
        } catch (BootstrapException e) {
          say(
              "outcome "
                  + e.code()
                  + " "
                  + e.ranks().toString().replace(" ", "")
                  + " "
                  + e.getMessage());
        }
      }
    } catch (BootstrapException e) {
      say("failed " + e.code() + " " + e.getMessage());
      status = 1;
    }
    say("closed");
    System.out.flush();
    Runtime.getRuntime().halt(status);
  }

  private static void say(String line) {
    System.out.println("#zk " + line);
    System.out.flush();
  }
}
