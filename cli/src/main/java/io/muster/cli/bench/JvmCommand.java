package io.muster.cli.bench;

import java.util.List;

/** How to start another JVM with this one's class path, running {@code main} with {@code args}. */
@FunctionalInterface
public interface JvmCommand {
  List<String> command(Class<?> main, List<String> jvmOptions, List<String> args);
}
