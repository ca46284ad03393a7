package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.gubernator.api.validation.FieldError;
import io.gubernator.apiserver.registry.Strategy;
import java.util.ArrayList;
import java.util.List;

/** Pods: the Priority admission and Pending with a QoS class on creation; spec defaults; container and spec validation. */
final class PodStrategy implements Strategy<Pod> {

  private final PriorityAdmission priorities;

  PodStrategy(PriorityAdmission priorities) {
    this.priorities = priorities;
  }

  @Override
  public void prepareForCreate(Pod pod) {
    // Before the spec defaults, which would otherwise fill in priority 0 and PreemptLowerPriority.
    priorities.admit(pod);
    if (pod.getSpec() != null) PodSpecs.defaultTolerations(pod.getSpec());
    PodStatus status = new PodStatus();
    status.setPhase("Pending");
    status.setQosClass(PodSpecs.qosClass(pod.getSpec()));
    pod.setStatus(status);
  }

  @Override
  public void prepareForUpdate(Pod pod, Pod old) {
    pod.setStatus(old.getStatus());
    // Ephemeral containers change through their own subresource only; an update of the pod keeps them.
    if (pod.getSpec() != null && old.getSpec() != null) pod.getSpec().setEphemeralContainers(old.getSpec().getEphemeralContainers());
  }

  @Override
  public void applyDefaults(Pod pod) {
    if (pod.getSpec() == null) return;
    PodSpecs.applyDefaults(pod.getSpec());
    PodSpecs.podOnlyDefaults(pod.getSpec());
    EphemeralContainers.applyDefaults(pod.getSpec());
  }

  @Override
  public List<FieldError> validate(Pod pod) {
    List<FieldError> errors = new ArrayList<>(PodSpecs.validate(pod.getSpec(), "spec"));
    errors.addAll(EphemeralContainers.validateCreate(pod.getSpec()));
    return errors;
  }

  @Override
  public List<FieldError> validateUpdate(Pod pod, Pod old) {
    List<FieldError> errors = new ArrayList<>(PodSpecs.validate(pod.getSpec(), "spec"));
    PodSpec a = pod.getSpec();
    PodSpec b = old.getSpec();
    if (a == null || b == null) return errors;
    errors.addAll(EphemeralContainers.validateUpdate(a, b));
    // Only images, activeDeadlineSeconds, tolerations additions and the binding may change after creation.
    List<Container> ac = a.getContainers();
    List<Container> bc = b.getContainers();
    if (ac.size() != bc.size()) {
      errors.add(FieldError.forbidden("spec", "pod updates may not add or remove containers"));
    }
    if (b.getNodeName() != null && !b.getNodeName().isEmpty() && !b.getNodeName().equals(a.getNodeName())) {
      errors.add(FieldError.forbidden("spec.nodeName", "field is immutable once set"));
    }
    return errors;
  }
}
