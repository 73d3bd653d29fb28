package io.muster.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Notes on the machine a run measured: cores, load, memory, JVM. Times drift on a shared machine;
 * these say how busy it was, so two result files can be judged side by side.
 */
final class Machine {
  private Machine() {}

  static Map<String, Object> notes() {
    Map<String, Object> m = new LinkedHashMap<>();
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("loadAverage", loadAverage(os));
    m.put("cpu", cpuModel());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("arch", System.getProperty("os.arch"));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      com.sun.management.OperatingSystemMXBean sun = (com.sun.management.OperatingSystemMXBean) os;
      m.put("memoryBytes", sun.getTotalMemorySize());
      m.put("freeMemoryBytes", sun.getFreeMemorySize());
    }
    long fds = openFilesLimit();
    if (fds > 0) {
      m.put("openFilesLimit", fds);
    }
    return m;
  }

  /** The 1, 5 and 15 minute load averages (Linux), or the JVM's 1-minute figure elsewhere. */
  static List<Double> loadAverage(OperatingSystemMXBean os) {
    List<Double> out = new ArrayList<>();
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).split(" ");
      for (int i = 0; i < 3; i++) {
        out.add(Double.parseDouble(f[i]));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      double one = os.getSystemLoadAverage();
      if (one >= 0) {
        out.add(one);
      }
      return out;
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  /** The soft limit on open files of this process (Linux), or -1. */
  static long openFilesLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"), StandardCharsets.UTF_8)) {
        if (line.startsWith("Max open files")) {
          return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }
}
