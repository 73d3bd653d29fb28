package io.muster.communicator;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import java.time.Duration;

/**
 * A rank's part in the peer-death test, run as its own process: both ranks connect; rank 1 then
 * just waits, and rank 0 writes and signals until its peer is gone (the test kills rank 1) and
 * prints the error it got. Argument: the transport.
 */
public final class PeerDeath {
  public static void main(String[] args) {
    Transport t = Transport.valueOf(args[0]);
    try (Bootstrap b = Bootstrap.open("env:");
        Communicator c = new Communicator(b)) {
      CommunicatorTest.Pair p = new CommunicatorTest.Pair(c, t, 1 << 16);
      b.barrier();
      System.out.println("READY pid " + ProcessHandle.current().pid());
      System.out.flush();
      if (b.rank() == 1) {
        p.semaphore.wait(Duration.ofMinutes(5));
        System.out.println("rank 1 was not killed");
        System.exit(1);
      }
      try {
        while (true) {
          p.connection.write(p.remote, 0, p.local, 0, 1 << 16);
          p.semaphore.signal();
        }
      } catch (BootstrapException e) {
        System.out.println("FAILED " + e.code() + " " + e.ranks() + ": " + e.getMessage());
        System.out.flush();
        c.close();
        Runtime.getRuntime().halt(3); // the bootstrap's peer is dead too: no orderly goodbye
      }
    } catch (Exception e) {
      e.printStackTrace(System.out);
      System.exit(1);
    }
  }
}
