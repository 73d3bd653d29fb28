package io.muster.communicator;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks tests that need a GPU and the CUDA driver: tagged {@code gpu}, and skipped, with the reason
 * CUDA is unusable, on machines without one.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@ExtendWith(RequiresCuda.Condition.class)
public @interface RequiresCuda {
  /** Enables the test only where {@link Cuda#isAvailable()}. */
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return Cuda.unavailableReason()
          .map(
              why ->
                  ConditionEvaluationResult.disabled(
                      "needs a GPU with the CUDA driver, and this machine has none: " + why))
          .orElseGet(() -> ConditionEvaluationResult.enabled("CUDA is available"));
    }
  }
}
