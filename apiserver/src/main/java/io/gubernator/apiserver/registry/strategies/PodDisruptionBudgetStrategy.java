package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.gubernator.api.serialization.Json;
import io.gubernator.api.validation.FieldError;
import io.gubernator.api.validation.IntOrPercentValidation;
import io.gubernator.api.validation.ObjectMetaValidation;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** policy/v1 PodDisruptionBudget: its status belongs to the disruption controller; the spec is validated as Kubernetes does. */
final class PodDisruptionBudgetStrategy extends WorkloadStrategies.Generational<PodDisruptionBudget> {

  private static final List<String> EVICTION_POLICIES = List.of("AlwaysAllow", "IfHealthyBudget");

  @Override
  public List<FieldError> validate(PodDisruptionBudget b) {
    PodDisruptionBudgetSpec spec = b.getSpec();
    List<FieldError> errors = new ArrayList<>();
    if (spec == null) return errors;
    if (spec.getMinAvailable() != null && spec.getMaxUnavailable() != null) {
      errors.add(FieldError.invalidJson("spec", new String(Json.bytes(spec), StandardCharsets.UTF_8),
          "minAvailable and maxUnavailable cannot be both set"));
    }
    count(spec.getMinAvailable(), "spec.minAvailable", errors);
    count(spec.getMaxUnavailable(), "spec.maxUnavailable", errors);
    errors.addAll(ObjectMetaValidation.validateLabelSelector(spec.getSelector(), "spec.selector"));
    String policy = spec.getUnhealthyPodEvictionPolicy();
    if (policy != null && !EVICTION_POLICIES.contains(policy)) {
      errors.add(FieldError.notSupported("spec.unhealthyPodEvictionPolicy", policy, EVICTION_POLICIES));
    }
    return errors;
  }

  private static void count(IntOrString value, String field, List<FieldError> errors) {
    errors.addAll(IntOrPercentValidation.nonNegative(value, field));
    errors.addAll(IntOrPercentValidation.notMoreThan100Percent(value, field));
  }
}
