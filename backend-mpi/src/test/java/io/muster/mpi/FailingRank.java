package io.muster.mpi;

import io.muster.Bootstrap;
import io.muster.BootstrapException;

/**
 * A rank of an MPI job that fails on purpose, for {@link MpiFailureTest}: {@code FailingRank throw}
 * (rank 1's main thread throws), {@code FailingRank exit} (rank 0 exits with its group open), or
 * {@code FailingRank finalizeClose} (no failure: closing with {@code finalize=close} ends MPI, and
 * a second open says why it cannot start again). The other ranks wait for a message that never
 * comes, with the default timeout of five minutes: only MPI_Abort ends them promptly.
 */
public final class FailingRank {
  private FailingRank() {}

  public static void main(String[] args) {
    String mode = args[0];
    if (mode.equals("finalizeClose")) {
      finalizeClose();
      return;
    }
    try (Bootstrap b = Bootstrap.open("mpi:")) {
      b.barrier();
      if (mode.equals("throw") && b.rank() == 1) {
        throw new IllegalStateException("rank 1 gives up on purpose");
      }
      if (mode.equals("exit") && b.rank() == 0) {
        System.exit(3);
      }
      b.recv(mode.equals("throw") ? 1 : 0, 5); // never sent
    }
  }

  private static void finalizeClose() {
    try (Bootstrap b = Bootstrap.open("mpi:?finalize=close")) {
      b.barrier();
    }
    try (Bootstrap again = Bootstrap.open("mpi:")) {
      System.out.println("FAIL opened again after MPI_Finalize: " + again);
    } catch (BootstrapException e) {
      System.out.println(
          (e.code() == BootstrapException.Code.CONFIG && e.getMessage().contains("finalize")
                  ? "PASS "
                  : "FAIL ")
              + e);
    }
  }
}
