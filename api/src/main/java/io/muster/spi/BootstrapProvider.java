package io.muster.spi;

import io.muster.Bootstrap;
import java.util.List;

/**
 * A backend: serves one or more URI schemes. Register an implementation in {@code
 * META-INF/services/io.muster.spi.BootstrapProvider} and in {@code module-info}'s {@code provides}
 * clause; {@link Bootstrap#open} finds it with {@link java.util.ServiceLoader}.
 */
public interface BootstrapProvider {

  /** Rank value meaning "not given": the backend assigns one, or reads it from its service. */
  int ANY_RANK = -1;

  /** Size value meaning "not given": the backend reads it from its service, or fails. */
  int ANY_SIZE = 0;

  /** The URI scheme this backend serves, lower case, without the colon. */
  String scheme();

  /** Every scheme this backend serves; by default just {@link #scheme()}. */
  default List<String> schemes() {
    return List.of(scheme());
  }

  /**
   * The query keys this backend accepts beyond {@link CommonOptions#ALL}; any other key is rejected
   * with the list of valid ones.
   */
  default List<Option<?>> options() {
    return List.of();
  }

  /**
   * Opens a bootstrap and returns once every rank of the group has joined.
   *
   * @param uri the parsed URI
   * @param rank this process's rank, or {@link #ANY_RANK}
   * @param size the group's size, or {@link #ANY_SIZE}
   * @param options the validated query options, common keys included
   */
  Bootstrap open(BootstrapUri uri, int rank, int size, Options options);
}
