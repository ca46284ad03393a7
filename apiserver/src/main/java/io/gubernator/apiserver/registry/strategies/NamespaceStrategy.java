package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceSpec;
import io.fabric8.kubernetes.api.model.NamespaceStatus;
import io.gubernator.api.validation.NameRule;
import io.gubernator.apiserver.registry.Strategy;
import java.util.HashMap;
import java.util.List;

/** Namespaces: DNS-1123 label names, Active on creation, the {@code kubernetes} finalizer, the name label. */
final class NamespaceStrategy implements Strategy<Namespace> {

  static final String NAME_LABEL = "kubernetes.io/metadata.name";

  @Override
  public NameRule nameRule() {
    return NameRule.DNS1123_LABEL;
  }

  @Override
  public void prepareForCreate(Namespace ns) {
    ns.setStatus(new NamespaceStatus(List.of(), "Active"));
    ns.setSpec(new NamespaceSpec(List.of("kubernetes")));
  }

  @Override
  public void prepareForUpdate(Namespace ns, Namespace old) {
    ns.setStatus(old.getStatus());
    ns.setSpec(old.getSpec());
  }

  /** Kubernetes' namespace registry: a namespace with spec.finalizers is only marked, never deleted at once. */
  @Override
  public boolean deletionHeld(Namespace ns) {
    return ns.getSpec() != null && ns.getSpec().getFinalizers() != null && !ns.getSpec().getFinalizers().isEmpty();
  }

  @Override
  public void prepareForDeletion(Namespace ns) {
    NamespaceStatus status = ns.getStatus() == null ? new NamespaceStatus() : ns.getStatus();
    status.setPhase("Terminating");
    ns.setStatus(status);
  }

  @Override
  public void applyDefaults(Namespace ns) {
    if (ns.getMetadata().getName() == null) return;
    var labels = ns.getMetadata().getLabels() == null ? new HashMap<String, String>() : new HashMap<>(ns.getMetadata().getLabels());
    labels.put(NAME_LABEL, ns.getMetadata().getName());
    ns.getMetadata().setLabels(labels);
  }
}
