package io.muster.internal;

import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.BootstrapUri;
import java.util.function.Function;

/**
 * Reads a group from the environment: Muster's own variables, torchrun's, and for rank and size
 * alone Open MPI's, PMI's and Slurm's.
 */
final class Environment {
  private static final String[] RANK_VARS = {
    "MUSTER_RANK", "RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID"
  };
  private static final String[] SIZE_VARS = {
    "MUSTER_SIZE", "WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"
  };

  /** A number read from a variable, with the variable's name for messages. */
  static final class Value {
    private final String variable;
    private final int value;

    Value(String variable, int value) {
      this.variable = variable;
      this.value = value;
    }

    int value() {
      return value;
    }

    String variable() {
      return variable;
    }
  }

  private Environment() {}

  /** The URI that {@code env:} stands for; the {@code env:} URI's own keys are carried over. */
  static String resolveUri(BootstrapUri envUri, Function<String, String> env) {
    String base;
    String muster = env.apply("MUSTER_URI");
    if (muster != null && !muster.isBlank()) {
      if (muster.trim().startsWith("env:")) {
        throw new BootstrapException(
            Code.CONFIG, "MUSTER_URI is itself env:; set it to a real URI such as tcp://HOST:PORT");
      }
      base = muster.trim();
    } else {
      String addr = env.apply("MASTER_ADDR");
      String port = env.apply("MASTER_PORT");
      if (addr == null || port == null || addr.isBlank() || port.isBlank()) {
        throw new BootstrapException(
            Code.CONFIG,
            "env: found no group in the environment: set MUSTER_URI (with MUSTER_RANK and"
                + " MUSTER_SIZE), or torchrun's MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE");
      }
      String host = addr.trim();
      if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
        host = "[" + host + "]";
      }
      base = "tcp://" + host + ":" + port.trim();
    }
    if (envUri.query().isEmpty()) {
      return base;
    }
    BootstrapUri parsedBase = BootstrapUri.parse(base);
    StringBuilder out = new StringBuilder(base);
    boolean first = parsedBase.query().isEmpty() && base.indexOf('?') < 0;
    for (var e : envUri.query().entrySet()) {
      if (parsedBase.query().containsKey(e.getKey())) {
        continue; // the environment's URI is the more specific one
      }
      out.append(first ? '?' : '&')
          .append(e.getKey())
          .append('=')
          .append(
              java.net.URLEncoder.encode(e.getValue(), java.nio.charset.StandardCharsets.UTF_8));
      first = false;
    }
    return out.toString();
  }

  static Value rank(Function<String, String> env) {
    return first(RANK_VARS, env);
  }

  static Value size(Function<String, String> env) {
    return first(SIZE_VARS, env);
  }

  private static Value first(String[] names, Function<String, String> env) {
    for (String n : names) {
      String v = env.apply(n);
      if (v != null && !v.isBlank()) {
        try {
          return new Value(n, Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
          throw new BootstrapException(
              Code.CONFIG, "the variable " + n + "='" + v + "' is not a whole number");
        }
      }
    }
    return null;
  }
}
