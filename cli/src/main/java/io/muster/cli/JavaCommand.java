package io.muster.cli;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that starts another JVM like this one: same java binary, same class path. */
final class JavaCommand {
  static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

  private JavaCommand() {}

  /** {@code java -cp <this class path> main args…}, passing on the log level. */
  static List<String> forMain(Class<?> main, List<String> args) {
    return forMain(main, List.of(), args);
  }

  /** {@code java <jvmOptions> -cp <this class path> main args…}, passing on the log level. */
  static List<String> forMain(Class<?> main, List<String> jvmOptions, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(jvmOptions);
    String level = System.getProperty(LOG_LEVEL);
    if (level != null) {
      cmd.add("-D" + LOG_LEVEL + "=" + level);
    }
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add(main.getName());
    cmd.addAll(args);
    return cmd;
  }

  static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** The class path, plus the module path when this JVM runs modular (as under test). */
  static String classPath() {
    StringBuilder cp = new StringBuilder(System.getProperty("java.class.path", ""));
    String modules = System.getProperty("jdk.module.path");
    if (modules != null && !modules.isEmpty()) {
      if (cp.length() > 0) {
        cp.append(File.pathSeparatorChar);
      }
      cp.append(modules);
    }
    return cp.toString();
  }
}
