package io.muster.cli.bench;

/**
 * What one launch of ranks measures beyond the fresh open.
 *
 * @param freshOnly open once in the fresh JVM and stop (extra launches, for more fresh samples)
 * @param pingPong run the point-to-point ping-pong between ranks 0 and 1
 * @param allToAll run allToAll (it connects every pair of ranks, so large groups skip it)
 */
record Plan(boolean freshOnly, boolean pingPong, boolean allToAll) {
  static final Plan FRESH_ONLY = new Plan(true, false, false);

  String toArg() {
    return (freshOnly ? "F" : "f") + (pingPong ? "P" : "p") + (allToAll ? "A" : "a");
  }

  static Plan fromArg(String s) {
    if (s.length() != 3) {
      throw new IllegalArgumentException("a plan is three letters like fPA, got '" + s + "'");
    }
    return new Plan(s.charAt(0) == 'F', s.charAt(1) == 'P', s.charAt(2) == 'A');
  }
}
