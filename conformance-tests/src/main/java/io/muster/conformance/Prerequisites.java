package io.muster.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real services for tests: finds a program on the PATH and, when it is missing and this process may
 * install Debian packages (root with apt-get), installs it. In CI ({@code CI=true}) a missing
 * prerequisite fails the test; elsewhere it is skipped with the reason shown.
 */
public final class Prerequisites {
  private static final Object LOCK = new Object();

  private Prerequisites() {}

  /**
   * Returns the path of {@code program}, installing the Debian {@code packages} first if needed.
   *
   * @throws AssertionError in CI when it cannot be had
   * @throws org.opentest4j.TestAbortedException elsewhere, so the test shows as skipped
   */
  public static Path require(String program, String... packages) {
    synchronized (LOCK) {
      Path found = which(program);
      if (found == null && canInstall()) {
        install(packages);
        found = which(program);
      }
      if (found != null) {
        return found;
      }
      String why =
          program
              + " is not installed and could not be installed (apt-get install "
              + String.join(" ", packages)
              + " needs root and the Debian package mirror)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("CI needs a real " + program + ": " + why);
      }
      Assumptions.abort(why);
      return null;
    }
  }

  /** The first executable named {@code program} on the PATH (and in /usr/sbin, /usr/bin). */
  public static Path which(String program) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(":")));
    }
    dirs.addAll(List.of("/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"));
    for (String d : dirs) {
      Path p = Path.of(d, program);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static boolean canInstall() {
    return which("apt-get") != null && "root".equals(System.getProperty("user.name"));
  }

  private static void install(String... packages) {
    run(List.of("apt-get", "update", "-q"));
    List<String> cmd =
        new ArrayList<>(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"));
    cmd.addAll(List.of(packages));
    run(cmd);
  }

  private static void run(List<String> cmd) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
        System.err.println(
            String.join(" ", cmd) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      System.err.println(String.join(" ", cmd) + " could not run: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
