package io.muster.redis;

import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Opts the kit's "a rank of another job fails with CONFIG" check out, visibly: on one Redis, jobs
 * of different names are different groups by design (several jobs share a server), so a rank with
 * another job name is not a conflict Redis can see; it waits for its own job and times out naming
 * the ranks that never came. {@link RedisBackendTest} checks that such jobs never see each other.
 */
final class JobsAreNamespaces implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    boolean differentJob =
        context.getTestMethod().map(Method::getName).filter("differentJob"::equals).isPresent()
            && context.getTestClass().map(c -> c.getSimpleName().startsWith("Rule9")).orElse(false);
    return differentJob
        ? ConditionEvaluationResult.disabled(
            "on redis:// a job name is a namespace: ranks of different jobs are separate groups"
                + " on one server, not a conflict (see RedisBackendTest for their isolation)")
        : ConditionEvaluationResult.enabled("not the different-job check");
  }
}
