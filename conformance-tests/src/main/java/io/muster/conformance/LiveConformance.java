package io.muster.conformance;

import io.muster.spi.BootstrapUri;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The kit against a live service, outside any build: what {@code muster conformance --uri URI -n N}
 * runs. Every rule of {@link BootstrapConformanceKit} runs with {@code n} ranks as threads of this
 * JVM; each group gets a URI of its own derived from the given one ({@code local:NAME-k}, or {@code
 * job=JOB-k} for a shared service), and one line per rule is printed:
 *
 * <pre>
 * PASS  Rule 1: send copies the message and returns without waiting for the matching recv (3 tests)
 * FAIL  Rule 8: … — rank 2 of 4: …
 * SKIP  Rule 10: … — this backend names no socket to send garbage to: …
 * </pre>
 */
public final class LiveConformance {
  private static final Object ONE_AT_A_TIME = new Object();
  private static volatile String baseUri;
  private static volatile int ranks;

  private LiveConformance() {}

  /**
   * Runs the kit against {@code uri} with {@code n} ranks and prints one line per rule to {@code
   * out}.
   *
   * @return whether no rule failed (skipped rules do not fail the run)
   */
  public static boolean run(String uri, int n, PrintStream out) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, got " + n);
    }
    BootstrapUri.parse(uri); // a malformed URI fails here, with its CONFIG message
    synchronized (ONE_AT_A_TIME) {
      baseUri = uri;
      ranks = n;
      out.println(
          "conformance of " + BootstrapUri.redact(uri) + " with " + n + " ranks as threads");
      Rules rules = new Rules(out);
      LauncherDiscoveryRequest request =
          LauncherDiscoveryRequestBuilder.request()
              .selectors(DiscoverySelectors.selectClass(Kit.class))
              .configurationParameter("junit.jupiter.execution.parallel.enabled", "false")
              .build();
      Launcher launcher = LauncherFactory.create();
      launcher.execute(request, rules);
      out.println(
          rules.failed == 0
              ? "conformance: every rule passed" + (rules.skipped > 0 ? " or was skipped" : "")
              : "conformance: " + rules.failed + " rule(s) failed");
      out.flush();
      return rules.failed == 0 && rules.ran > 0;
    }
  }

  /** The kit, aimed at the URI given to {@link #run}. Public for JUnit; not for direct use. */
  public static class Kit extends BootstrapConformanceKit {
    private static final AtomicInteger groups = new AtomicInteger();
    private static final String run = UUID.randomUUID().toString().substring(0, 8);

    @Override
    protected String groupUri(int size) {
      return Uris.fresh(baseUri, "kit-" + run + "-" + groups.incrementAndGet());
    }

    @Override
    protected int[] groupSizes() {
      return new int[] {ranks};
    }

    @Override
    boolean rankAssignmentKnown() {
      return false;
    }

    /** A coordinator run by `muster coordinator`, Redis and ZooKeeper each serve many jobs. */
    @Override
    protected boolean jobsShareTheService() {
      String u = baseUri.toLowerCase(java.util.Locale.ROOT);
      return u.startsWith("redis") || u.startsWith("zk:") || u.contains("coordinator=external");
    }

    /** An external coordinator's token is its own; the kit can only use the one in the URI. */
    @Override
    protected boolean tokenIsTheService() {
      return baseUri.toLowerCase(java.util.Locale.ROOT).contains("coordinator=external");
    }
  }

  /** Turns test outcomes into a line per rule (per {@code @Nested} group of the kit). */
  private static final class Rules implements TestExecutionListener {
    private final PrintStream out;
    private final Map<String, Outcome> byRule = new LinkedHashMap<>();
    private TestPlan plan;
    int ran;
    int failed;
    int skipped;

    Rules(PrintStream out) {
      this.out = out;
    }

    private static final class Outcome {
      int passed;
      int skippedTests;
      final List<String> failures = new ArrayList<>();
      final List<String> reasons = new ArrayList<>();
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
      plan = testPlan;
    }

    /** The rule group a test belongs to: its ancestor just below the kit class. */
    private Optional<TestIdentifier> rule(TestIdentifier id) {
      TestIdentifier current = id;
      while (true) {
        Optional<TestIdentifier> parent = plan.getParent(current);
        if (parent.isEmpty()) {
          return Optional.empty();
        }
        if (isKit(parent.get())) {
          return Optional.of(current);
        }
        current = parent.get();
      }
    }

    private static boolean isKit(TestIdentifier id) {
      return id.getSource()
          .filter(ClassSource.class::isInstance)
          .map(s -> ((ClassSource) s).getClassName().equals(Kit.class.getName()))
          .orElse(false);
    }

    private Outcome outcome(TestIdentifier id) {
      return rule(id)
          .map(r -> byRule.computeIfAbsent(r.getDisplayName(), k -> new Outcome()))
          .orElse(null);
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
      if (isRule(id)) {
        byRule.computeIfAbsent(id.getDisplayName(), k -> new Outcome()).reasons.add(reason);
        byRule.get(id.getDisplayName()).skippedTests++;
        report(id);
        return;
      }
      Outcome o = outcome(id);
      if (o != null) {
        o.skippedTests++;
        o.reasons.add(reason);
      }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
      if (isRule(id)) {
        if (result.getStatus() == TestExecutionResult.Status.FAILED) {
          byRule
              .computeIfAbsent(id.getDisplayName(), k -> new Outcome())
              .failures
              .add(message(result));
        }
        report(id);
        return;
      }
      if (!id.isTest()) {
        return;
      }
      Outcome o = outcome(id);
      if (o == null) {
        return;
      }
      switch (result.getStatus()) {
        case SUCCESSFUL:
          o.passed++;
          break;
        case ABORTED:
          o.skippedTests++;
          o.reasons.add(message(result));
          break;
        default:
          o.failures.add(id.getDisplayName() + ": " + message(result));
      }
    }

    private boolean isRule(TestIdentifier id) {
      return id.isContainer() && rule(id).map(r -> r.equals(id)).orElse(false);
    }

    private void report(TestIdentifier rule) {
      Outcome o = byRule.getOrDefault(rule.getDisplayName(), new Outcome());
      String name = rule.getDisplayName();
      if (!o.failures.isEmpty()) {
        failed++;
        ran++;
        out.println("FAIL  " + name + " — " + firstLine(o.failures.get(0)));
      } else if (o.passed == 0) {
        skipped++;
        out.println(
            "SKIP  "
                + name
                + " — "
                + (o.reasons.isEmpty() ? "no test ran" : firstLine(o.reasons.get(0))));
      } else {
        ran++;
        out.println(
            "PASS  "
                + name
                + " ("
                + o.passed
                + (o.passed == 1 ? " test" : " tests")
                + (o.skippedTests > 0 ? ", " + o.skippedTests + " skipped" : "")
                + ")");
      }
      out.flush();
    }

    private static String message(TestExecutionResult result) {
      return result.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("");
    }

    private static String firstLine(String s) {
      String t = s == null ? "" : s.strip();
      int nl = t.indexOf('\n');
      return BootstrapUri.redact(nl < 0 ? t : t.substring(0, nl));
    }
  }
}
