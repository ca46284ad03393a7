package io.gubernator.apiserver.registry.strategies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.serialization.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Kubernetes' Priority admission plugin, on pod creation: a pod naming a PriorityClass gets its
 * value as spec.priority (and its preemptionPolicy, when the class has one); a pod naming none gets
 * the cluster's globalDefault class, if there is one, else priority 0. A class that does not exist,
 * or a priority or policy in the pod that differs from the computed one (a priority without a class
 * included, as in Kubernetes), is refused with the plugin's Forbidden messages. The two system
 * classes exist whether or not their objects do, as the API server creates them at start.
 */
public final class PriorityAdmission {

  /** scheduling.k8s.io's built-in classes and their values. */
  public static final Map<String, Integer> SYSTEM_CLASSES = Map.of("system-node-critical", 2_000_001_000, "system-cluster-critical", 2_000_000_000);

  /** Without a globalDefault class a pod naming none gets priority 0 (DefaultPriorityWhenNoDefaultClassExists). */
  private static final ObjectNode NO_DEFAULT_CLASS = Json.MAPPER.createObjectNode().put("value", 0);

  private final Function<String, Optional<ObjectNode>> byName;
  private final Supplier<List<ObjectNode>> all;

  /**
   * @param byName a PriorityClass by name
   * @param all every PriorityClass (there are few), for the globalDefault one
   */
  public PriorityAdmission(Function<String, Optional<ObjectNode>> byName, Supplier<List<ObjectNode>> all) {
    this.byName = byName;
    this.all = all;
  }

  void admit(Pod pod) {
    PodSpec spec = pod.getSpec();
    if (spec == null) return;
    String className = spec.getPriorityClassName();
    JsonNode pc;
    if (className == null || className.isEmpty()) {
      pc = all.get().stream().filter(c -> c.path("globalDefault").asBoolean(false)).findFirst()
          .orElse(NO_DEFAULT_CLASS);
      if (pc != NO_DEFAULT_CLASS) spec.setPriorityClassName(pc.path("metadata").path("name").asText());
    } else {
      pc = byName.apply(className).orElse(null);
      if (pc == null && SYSTEM_CLASSES.containsKey(className)) {
        pc = Json.MAPPER.createObjectNode().put("value", SYSTEM_CLASSES.get(className));
      }
      if (pc == null) throw forbidden(pod, "no PriorityClass with name " + className + " was found");
    }
    int value = pc.path("value").asInt();
    if (spec.getPriority() != null && spec.getPriority() != value) {
      throw forbidden(pod, "the integer value of priority (" + spec.getPriority()
          + ") must not be provided in pod spec; priority admission controller computed " + value + " from the given PriorityClass name");
    }
    spec.setPriority(value);
    String policy = pc.path("preemptionPolicy").asText(null);
    if (policy != null) {
      if (spec.getPreemptionPolicy() != null && !spec.getPreemptionPolicy().equals(policy)) {
        throw forbidden(pod, "the string value of PreemptionPolicy (" + spec.getPreemptionPolicy()
            + ") must not be provided in pod spec; priority admission controller computed " + policy + " from the given PriorityClass name");
      }
      spec.setPreemptionPolicy(policy);
    }
  }

  /** Worded as admission.NewForbidden: {@code pods "<name>" is forbidden: <reason>}. */
  private static StatusException forbidden(Pod pod, String reason) {
    String name = pod.getMetadata() == null ? null : pod.getMetadata().getName();
    return StatusException.forbidden((name == null || name.isEmpty() ? "pods" : "pods \"" + name + "\"") + " is forbidden: " + reason);
  }
}
