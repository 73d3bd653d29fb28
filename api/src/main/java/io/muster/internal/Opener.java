package io.muster.internal;

import io.muster.Bootstrap;
import io.muster.BootstrapException;
import io.muster.BootstrapException.Code;
import io.muster.spi.BootstrapProvider;
import io.muster.spi.BootstrapUri;
import io.muster.spi.CommonOptions;
import io.muster.spi.Option;
import io.muster.spi.Options;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@link Bootstrap#open}: parses the URI, resolves {@code env:}, finds the backend, validates the
 * options and settles rank and size from the arguments, the URI and the environment, in that order.
 */
public final class Opener {
  /** Rank or size not given by the caller. */
  public static final int UNSET = Integer.MIN_VALUE;

  private Opener() {}

  public static Bootstrap open(String uri, int rank, int size, Function<String, String> env) {
    BootstrapUri parsed = BootstrapUri.parse(uri);
    if (parsed.scheme().equals("env")) {
      parsed = BootstrapUri.parse(Environment.resolveUri(parsed, env));
    }
    BootstrapProvider provider = Providers.find(parsed.scheme(), parsed.toString());
    List<Option<?>> accepted = new ArrayList<>(CommonOptions.ALL);
    accepted.addAll(provider.options());
    Options options = Options.parse(parsed, accepted);

    Environment.Value rankEnv = Environment.rank(env);
    Environment.Value sizeEnv = Environment.size(env);
    int r = settle("rank", rank, options, CommonOptions.RANK, rankEnv, parsed);
    int s = settle("size", size, options, CommonOptions.SIZE, sizeEnv, parsed);
    if (r == UNSET) {
      r = BootstrapProvider.ANY_RANK;
    }
    if (s == UNSET) {
      s = BootstrapProvider.ANY_SIZE;
    }
    if (s < 0 || (s == 0 && options.isSet(CommonOptions.SIZE))) {
      throw new BootstrapException(
          Code.CONFIG, "size " + s + " in " + parsed + " must be at least 1");
    }
    if (r < -1 || (s > 0 && r >= s)) {
      throw new BootstrapException(
          Code.CONFIG,
          "rank "
              + r
              + origin(rank, options, CommonOptions.RANK, rankEnv)
              + " is outside 0.."
              + (s - 1)
              + origin(size, options, CommonOptions.SIZE, sizeEnv)
              + " for "
              + parsed
              + "; give a rank below the size, or -1 to have one assigned");
    }
    if (!options.isSet(CommonOptions.TOKEN)) {
      String token = env.apply("MUSTER_TOKEN");
      if (token != null && !token.isEmpty()) {
        options = options.with(CommonOptions.TOKEN, token);
      }
    }
    try {
      return provider.open(parsed, r, s, options);
    } catch (BootstrapException | IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException | LinkageError e) {
      throw new BootstrapException(
          Code.INTERNAL,
          "the "
              + parsed.scheme()
              + ": backend ("
              + provider.getClass().getName()
              + ") failed to open "
              + parsed
              + ": "
              + e,
          e);
    }
  }

  /** " (from VARIABLE)" when the environment gave the number, so the user knows what to fix. */
  private static String origin(
      int explicit, Options options, Option<Integer> key, Environment.Value fromEnv) {
    if (explicit != UNSET || options.isSet(key) || fromEnv == null) {
      return "";
    }
    return " (from " + fromEnv.variable() + ")";
  }

  private static int settle(
      String what,
      int explicit,
      Options options,
      Option<Integer> key,
      Environment.Value fromEnv,
      BootstrapUri uri) {
    Integer inUri = options.isSet(key) ? options.get(key) : null;
    if (explicit != UNSET) {
      if (inUri != null && inUri != explicit) {
        throw new BootstrapException(
            Code.CONFIG,
            what
                + " "
                + explicit
                + " was passed to open() but "
                + uri
                + " says "
                + key.name()
                + "="
                + inUri
                + "; give it in one place");
      }
      return explicit;
    }
    if (inUri != null) {
      return inUri;
    }
    return fromEnv == null ? UNSET : fromEnv.value();
  }
}
