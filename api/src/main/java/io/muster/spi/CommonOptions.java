package io.muster.spi;

import java.time.Duration;
import java.util.List;

/** The query keys every backend accepts. */
public final class CommonOptions {
  private CommonOptions() {}

  public static final Option<Integer> RANK =
      Option.integer("rank", null, "this process's rank; -1 lets the backend assign one");
  public static final Option<Integer> SIZE =
      Option.integer("size", null, "the number of ranks in the group");
  public static final Option<Duration> TIMEOUT =
      Option.duration(
          "timeout", Duration.ofMinutes(5), "how long any blocking call waits before it fails");
  public static final Option<String> JOB =
      Option.text("job", "muster", "the job's name; ranks of different jobs never meet");
  public static final Option<String> TOKEN =
      Option.text("token", null, "a shared secret every rank must present (also from MUSTER_TOKEN)")
          .asSecret();

  /** All of them, in documentation order. */
  public static final List<Option<?>> ALL = List.of(RANK, SIZE, TIMEOUT, JOB, TOKEN);
}
