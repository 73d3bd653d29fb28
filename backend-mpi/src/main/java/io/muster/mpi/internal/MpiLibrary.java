package io.muster.mpi.internal;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Finds the system's MPI library and binds it: the {@code library=} key or {@code
 * MUSTER_MPI_LIBRARY} when given, else what {@code ldconfig -p} lists, else the paths where Debian,
 * Ubuntu and Fedora install Open MPI.
 *
 * <p>The library is opened with {@code RTLD_GLOBAL}: Open MPI loads its components with {@code
 * dlopen}, and they resolve their references to {@code libmpi} and {@code libopen-pal} through the
 * global namespace, which a library opened locally (JNA's default) does not join.
 */
final class MpiLibrary {
  private static final int RTLD_NOW = 2;
  private static final int RTLD_GLOBAL_LINUX = 0x100;
  private static final int RTLD_GLOBAL_MAC = 0x8;

  /** File names of libmpi, most wanted first: Open MPI 3 and later, then any. */
  private static final List<String> NAMES = List.of("libmpi.so.40", "libmpi.so", "libmpi.so.12");

  private MpiLibrary() {}

  /**
   * Loads and binds the library.
   *
   * @param explicit a path from the URI or the environment, or {@code null} to search
   * @throws BootstrapException {@code UNAVAILABLE} when no MPI library is installed or it cannot be
   *     loaded; {@code CONFIG} when an explicit path does not exist
   */
  static Abi load(String explicit) {
    List<Path> candidates = new ArrayList<>();
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit.trim());
      if (!Files.exists(p)) {
        throw new BootstrapException(
            Code.CONFIG,
            "the MPI library '"
                + explicit
                + "' (library= or MUSTER_MPI_LIBRARY) does not exist; give the path of libmpi.so");
      }
      candidates.add(p);
    } else {
      candidates.addAll(search());
    }
    if (candidates.isEmpty()) {
      throw new BootstrapException(
          Code.UNAVAILABLE,
          "no MPI library found (looked in ldconfig -p and "
              + knownPaths()
              + "); install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or"
              + " give its path with library=/path/to/libmpi.so");
    }
    List<String> failures = new ArrayList<>();
    for (Path p : candidates) {
      NativeLibrary lib;
      try {
        int global = Platform.isMac() ? RTLD_GLOBAL_MAC : RTLD_GLOBAL_LINUX;
        lib =
            NativeLibrary.getInstance(
                p.toString(), Map.of(Library.OPTION_OPEN_FLAGS, RTLD_NOW | global));
      } catch (UnsatisfiedLinkError e) {
        failures.add(p + ": " + e.getMessage());
        continue;
      }
      if (OpenMpi.recognises(lib)) {
        return OpenMpi.bind(lib);
      }
      failures.add(
          p
              + " is not Open MPI (it exports no ompi_mpi_comm_world); only Open MPI's binary"
              + " interface is implemented so far, MPICH-family libraries would need an Abi of"
              + " their own");
    }
    throw new BootstrapException(
        Code.UNAVAILABLE, "cannot use an MPI library: " + String.join("; ", failures));
  }

  private static List<Path> search() {
    Set<Path> found = new LinkedHashSet<>();
    List<String> listed = ldconfig();
    for (String name : NAMES) {
      for (String line : listed) {
        // "\tlibmpi.so.40 (libc6,x86-64) => /lib/x86_64-linux-gnu/libmpi.so.40"
        String t = line.trim();
        int arrow = t.indexOf("=>");
        if (arrow > 0 && t.startsWith(name + " ")) {
          Path p = Path.of(t.substring(arrow + 2).trim());
          if (Files.exists(p)) {
            found.add(p);
          }
        }
      }
    }
    for (Path p : knownPaths()) {
      if (Files.exists(p)) {
        found.add(p);
      }
    }
    return new ArrayList<>(found);
  }

  private static List<String> ldconfig() {
    for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
      if (!Files.isExecutable(Path.of(exe))) {
        continue;
      }
      try {
        Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
        try {
          p.getOutputStream().close();
          byte[] out = p.getInputStream().readAllBytes();
          if (p.waitFor(5, TimeUnit.SECONDS)) {
            return List.of(new String(out, StandardCharsets.UTF_8).split("\n"));
          }
        } finally {
          p.destroy();
        }
      } catch (IOException e) {
        return List.of();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
    return List.of();
  }

  /** Where distributions put Open MPI's library. */
  private static List<Path> knownPaths() {
    String triplet = multiarch();
    List<Path> out = new ArrayList<>();
    if (triplet != null) {
      out.add(Path.of("/usr/lib", triplet, "libmpi.so.40"));
      out.add(Path.of("/usr/lib", triplet, "openmpi/lib/libmpi.so"));
    }
    out.add(Path.of("/usr/lib64/openmpi/lib/libmpi.so"));
    out.add(Path.of("/usr/lib/openmpi/lib/libmpi.so"));
    out.add(Path.of("/usr/local/lib/libmpi.so"));
    return out;
  }

  private static String multiarch() {
    switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
      case "amd64":
      case "x86_64":
        return "x86_64-linux-gnu";
      case "aarch64":
        return "aarch64-linux-gnu";
      case "ppc64le":
        return "powerpc64le-linux-gnu";
      default:
        return null;
    }
  }
}
