package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.gubernator.api.resource.Containers;
import io.gubernator.api.validation.FieldError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A pod's ephemeral containers (what {@code kubectl debug} adds): never set on create, added only
 * through the pods/ephemeralcontainers subresource, and never changed or removed once there, as
 * Kubernetes' validation has it. They share the container fields but may not ask for ports,
 * probes, lifecycle hooks or resources: they get no guarantees.
 */
final class EphemeralContainers {

  private static final String PATH = "spec.ephemeralContainers";

  private EphemeralContainers() {}

  static List<FieldError> validateCreate(PodSpec spec) {
    if (spec == null || spec.getEphemeralContainers().isEmpty()) return List.of();
    return List.of(FieldError.forbidden(PATH, "cannot be set on create"));
  }

  /** The container defaults (termination message, pull policy) on each ephemeral container. */
  static void applyDefaults(PodSpec spec) {
    for (EphemeralContainer e : spec.getEphemeralContainers()) {
      if (e.getTerminationMessagePath() == null) e.setTerminationMessagePath("/dev/termination-log");
      if (e.getTerminationMessagePolicy() == null) e.setTerminationMessagePolicy("File");
      if (e.getImagePullPolicy() == null && e.getImage() != null) e.setImagePullPolicy(PodSpecs.defaultPullPolicy(e.getImage()));
    }
  }

  /**
   * An update of the pod: the ephemeral containers already there stay as they are, new ones are
   * valid on their own and named apart from every other container.
   */
  static List<FieldError> validateUpdate(PodSpec spec, PodSpec old) {
    // Every status write of every pod comes through here; nearly all have none.
    if (spec.getEphemeralContainers().isEmpty() && old.getEphemeralContainers().isEmpty()) return List.of();
    List<FieldError> errors = new ArrayList<>();
    Map<String, EphemeralContainer> now = new HashMap<>();
    for (EphemeralContainer e : spec.getEphemeralContainers()) now.putIfAbsent(e.getName(), e);
    for (EphemeralContainer before : old.getEphemeralContainers()) {
      EphemeralContainer after = now.get(before.getName());
      if (after == null) {
        errors.add(FieldError.forbidden(PATH, "existing ephemeral containers \"" + before.getName() + "\" may not be removed"));
      } else if (!Objects.equals(after, before)) {
        errors.add(FieldError.forbidden(PATH, "existing ephemeral containers \"" + before.getName() + "\" may not be changed"));
      }
    }
    Set<String> names = new HashSet<>();
    for (Container c : spec.getInitContainers()) names.add(c.getName());
    for (Container c : spec.getContainers()) names.add(c.getName());
    Set<String> targets = Set.copyOf(names);
    Set<String> volumes = new HashSet<>();
    spec.getVolumes().forEach(v -> volumes.add(v.getName()));
    for (int i = 0; i < spec.getEphemeralContainers().size(); i++) {
      validate(spec.getEphemeralContainers().get(i), PATH + "[" + i + "]", names, targets, volumes, errors);
    }
    return errors;
  }

  private static void validate(EphemeralContainer e, String p, Set<String> names, Set<String> targets, Set<String> volumes,
      List<FieldError> errors) {
    PodSpecs.validateCommon(Containers.of(e), p, names, volumes, errors);
    String target = e.getTargetContainerName();
    if (target != null && !target.isEmpty() && !targets.contains(target)) {
      errors.add(FieldError.notFound(p + ".targetContainerName", target));
    }
    String forbidden = "cannot be set for an Ephemeral Container";
    if (!e.getPorts().isEmpty()) errors.add(FieldError.forbidden(p + ".ports", forbidden));
    if (e.getLivenessProbe() != null) errors.add(FieldError.forbidden(p + ".livenessProbe", forbidden));
    if (e.getReadinessProbe() != null) errors.add(FieldError.forbidden(p + ".readinessProbe", forbidden));
    if (e.getStartupProbe() != null) errors.add(FieldError.forbidden(p + ".startupProbe", forbidden));
    if (e.getLifecycle() != null) errors.add(FieldError.forbidden(p + ".lifecycle", forbidden));
    if (e.getResources() != null && (!e.getResources().getLimits().isEmpty() || !e.getResources().getRequests().isEmpty())) {
      errors.add(FieldError.forbidden(p + ".resources", forbidden));
    }
    if (e.getRestartPolicy() != null) errors.add(FieldError.forbidden(p + ".restartPolicy", forbidden));
    for (int j = 0; j < e.getVolumeMounts().size(); j++) {
      String subPath = e.getVolumeMounts().get(j).getSubPath();
      if (subPath != null && !subPath.isEmpty()) errors.add(FieldError.forbidden(p + ".volumeMounts[" + j + "].subPath", forbidden));
    }
  }
}
