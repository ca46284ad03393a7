package io.gubernator.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.labels.LabelSelector;
import io.gubernator.api.serialization.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The pods/eviction subresource: a pod deletion that a PodDisruptionBudget may refuse. As
 * Kubernetes' eviction storage, a pod that is not running (pending, finished, already being
 * deleted) or that no budget covers is deleted at once; one that a budget covers is deleted only
 * after that budget's {@code disruptionsAllowed} has been taken down by one in the same write that
 * checked it, and the pod recorded in {@code disruptedPods} until the disruption controller sees it
 * go. Two budgets over one pod are refused: which of them would decide is undefined.
 */
public final class PodEviction {

  /** Kubernetes' MaxDisruptedPodSize: beyond it the disruption controller is not keeping up. */
  static final int MAX_DISRUPTED_PODS = 2000;

  private final GenericRegistry pods;
  private final GenericRegistry budgets;

  public PodEviction(GenericRegistry pods, GenericRegistry budgets) {
    this.pods = pods;
    this.budgets = budgets;
  }

  /**
   * Evicts pod {@code name}; {@code options} are the Eviction's deleteOptions. Returns the deletion's
   * result; throws 429 TooManyRequests when a budget does not allow it now.
   */
  public WriteResult evict(String namespace, String name, Options.Delete options) {
    ObjectNode pod = pods.get(namespace, name);
    String uid = pod.path("metadata").path("uid").asText("");
    if (options.preconditionUid() != null && !options.preconditionUid().equals(uid)) {
      throw StatusException.conflict("", "pods", name, "Precondition failed: UID in precondition: "
          + options.preconditionUid() + ", UID in object meta: " + uid);
    }
    // The pod deleted is the pod examined: a pod recreated under the same name meanwhile is not.
    Options.Delete delete = new Options.Delete(options.gracePeriodSeconds(), options.propagationPolicy(), uid,
        options.preconditionResourceVersion(), options.dryRun());
    if (canIgnoreBudget(pod)) return pods.delete(namespace, name, delete);
    List<ObjectNode> covering = budgets.lists().list(namespace, Options.ListWatch.ALL).items().stream()
        .filter(b -> selects(b, pod)).toList();
    if (covering.isEmpty()) return pods.delete(namespace, name, delete);
    if (covering.size() > 1) {
      throw StatusException.internal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    }
    ObjectNode budget = covering.getFirst();
    if (!ready(pod) && unreadyMayGo(budget)) return pods.delete(namespace, name, delete);
    String budgetName = budget.path("metadata").path("name").asText();
    budgets.patch(namespace, budgetName, new Options.Write(options.dryRun(), Options.FieldValidation.IGNORE), true,
        current -> takeDisruption(current, name));
    return pods.delete(namespace, name, delete);
  }

  /** Kubernetes' canIgnorePDB: a pod that is not running disrupts nothing. */
  static boolean canIgnoreBudget(JsonNode pod) {
    if (pod.path("metadata").hasNonNull("deletionTimestamp")) return true;
    String phase = pod.path("status").path("phase").asText("");
    return phase.equals("Succeeded") || phase.equals("Failed") || phase.equals("Pending");
  }

  static boolean ready(JsonNode pod) {
    for (JsonNode c : pod.path("status").path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) return "True".equals(c.path("status").asText());
    }
    return false;
  }

  /**
   * Whether an unready pod may go without spending a disruption: always under the AlwaysAllow
   * policy; under IfHealthyBudget (the default) only while the budget is met, since then it is not
   * one of the healthy pods the budget counts.
   */
  static boolean unreadyMayGo(JsonNode budget) {
    if ("AlwaysAllow".equals(budget.path("spec").path("unhealthyPodEvictionPolicy").asText(""))) return true;
    JsonNode status = budget.path("status");
    int desired = status.path("desiredHealthy").asInt(0);
    return desired > 0 && status.path("currentHealthy").asInt(0) >= desired;
  }

  /** A policy/v1 budget's selector: absent selects no pod, empty selects every pod of the namespace. */
  static boolean selects(JsonNode budget, ObjectNode pod) {
    JsonNode selector = budget.path("spec").path("selector");
    if (!selector.isObject()) return false;
    LabelSelector s = LabelSelector.from(Json.MAPPER.convertValue(selector, io.fabric8.kubernetes.api.model.LabelSelector.class));
    return s.matches(ListWatcher.labelsOf(pod));
  }

  /** Kubernetes' checkAndDecrement, on the budget as stored now (the patch retries on a conflict). */
  static ObjectNode takeDisruption(ObjectNode budget, String podName) {
    String budgetName = budget.path("metadata").path("name").asText();
    JsonNode status = budget.path("status");
    if (status.path("observedGeneration").asLong(0) < budget.path("metadata").path("generation").asLong(0)) {
      throw tooManyRequests("The disruption budget " + budgetName + " is still being processed by the server.");
    }
    int allowed = status.path("disruptionsAllowed").asInt(0);
    if (allowed < 0) throw StatusException.forbidden("pdb disruptions allowed is negative");
    if (status.path("disruptedPods").size() > MAX_DISRUPTED_PODS) {
      throw StatusException.forbidden("DisruptedPods map too big - too many evictions not confirmed by PDB controller");
    }
    if (allowed == 0) {
      throw tooManyRequests("The disruption budget " + budgetName + " needs " + status.path("desiredHealthy").asInt(0)
          + " healthy pods and has " + status.path("currentHealthy").asInt(0) + " currently");
    }
    ObjectNode s = budget.with("status");
    s.put("disruptionsAllowed", allowed - 1);
    s.with("disruptedPods").put(podName, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    return budget;
  }

  private static StatusException tooManyRequests(String why) {
    return StatusException.tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.",
        List.of(new StatusException.Cause("DisruptionBudget", why, null)));
  }
}
