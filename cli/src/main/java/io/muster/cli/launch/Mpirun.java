package io.muster.cli.launch;

import io.muster.conformance.Prerequisites;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the ranks of {@code mpi:} are started: by one {@code mpirun}, since only processes that
 * mpirun started share an {@code MPI_COMM_WORLD}.
 */
public final class Mpirun {
  private Mpirun() {}

  /** Whether {@code uri} needs its ranks started by mpirun. */
  public static boolean launches(String uri) {
    return uri.startsWith("mpi:");
  }

  /** mpirun, or an error that says how to get it. */
  public static Path require() {
    Path mpirun = Prerequisites.which("mpirun");
    if (mpirun == null) {
      throw new IllegalStateException(
          "mpirun is not on the PATH; install Open MPI (apt-get install openmpi-bin"
              + " libopenmpi-dev) to start the ranks of mpi:");
    }
    return mpirun;
  }

  /** The words before the rank command: {@code mpirun … -np N}. */
  static List<String> words(int ranks) {
    List<String> cmd = new ArrayList<>();
    cmd.add(require().toString());
    if ("root".equals(System.getProperty("user.name"))) {
      cmd.add("--allow-run-as-root");
    }
    // Local runs often have more ranks than cores; no binding (a JVM is many threads); and the ob1
    // messaging layer, which skips probing for fabrics a single host does not have.
    cmd.addAll(List.of("--oversubscribe", "--bind-to", "none", "--mca", "pml", "ob1"));
    cmd.add("--tag-output"); // each line says its rank, as the launcher's prefix does
    cmd.addAll(List.of("-np", Integer.toString(ranks)));
    return cmd;
  }

  /** This process's rank and size when mpirun started it, else {@code null}. */
  public static int[] rankAndSize() {
    String rank = System.getenv("OMPI_COMM_WORLD_RANK");
    String size = System.getenv("OMPI_COMM_WORLD_SIZE");
    if (rank == null || size == null) {
      return null;
    }
    return new int[] {Integer.parseInt(rank.trim()), Integer.parseInt(size.trim())};
  }
}
