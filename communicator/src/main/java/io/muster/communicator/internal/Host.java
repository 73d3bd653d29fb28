package io.muster.communicator.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's place in the world, as descriptors carry it: which machine (so shared memory is
 * only tried between processes that can share it) and which process (to tell a dead peer).
 */
public final class Host {
  private static final String ID = computeId();
  private static final long PID = ProcessHandle.current().pid();

  private Host() {}

  /** The machine: host name and, on Linux, the boot id, which differs between machines. */
  public static String id() {
    return ID;
  }

  public static long pid() {
    return PID;
  }

  /** Whether process {@code pid} of this machine is still running. */
  public static boolean isAlive(long pid) {
    return pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static String computeId() {
    String name;
    try {
      name = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      name = System.getenv().getOrDefault("HOSTNAME", "unknown-host");
    }
    try {
      Path bootId = Path.of("/proc/sys/kernel/random/boot_id");
      if (Files.isReadable(bootId)) {
        return name + "/" + Files.readString(bootId, StandardCharsets.US_ASCII).trim();
      }
    } catch (IOException | RuntimeException e) {
      // no boot id: the host name alone has to do
    }
    return name;
  }
}
