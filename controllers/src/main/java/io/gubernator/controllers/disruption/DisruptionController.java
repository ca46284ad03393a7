package io.gubernator.controllers.disruption;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.gubernator.client.Controller;
import io.gubernator.client.EnqueueHandler;
import io.gubernator.client.EventRecorder;
import io.gubernator.client.LabelSelectors;
import io.gubernator.controllers.ControllerRefs;
import io.gubernator.controllers.ServicePods;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Kubernetes' disruption controller: keeps each PodDisruptionBudget's status — the pods it expects,
 * how many are healthy, how many must stay healthy, and so how many may be disrupted now — which
 * the pods/eviction subresource reads and takes down. Pods the API server evicted stay in
 * {@code disruptedPods}, not counted healthy, until they are seen going or two minutes pass.
 */
public final class DisruptionController implements AutoCloseable {

  /** Kubernetes' DeletionTimeout: an eviction not followed by a deletion within it is forgotten. */
  static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

  /** How many pods a budget expects and how many of them must stay healthy. */
  record Expectation(int expectedPods, int desiredHealthy) {}

  /** Why the expected pod count could not be worked out (a pod with no controller, say). */
  static final class ScaleException extends Exception {
    ScaleException(String message) {
      super(message, null, false, false);
    }
  }

  private final KubernetesClient client;
  private final SharedIndexInformer<PodDisruptionBudget> budgets;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<ReplicaSet> replicaSets;
  private final SharedIndexInformer<Deployment> deployments;
  private final SharedIndexInformer<ReplicationController> replicationControllers;
  private final EventRecorder events;
  private final Controller controller;

  public DisruptionController(KubernetesClient client, SharedIndexInformer<PodDisruptionBudget> budgets, SharedIndexInformer<Pod> pods,
      SharedIndexInformer<ReplicaSet> replicaSets, SharedIndexInformer<Deployment> deployments,
      SharedIndexInformer<ReplicationController> replicationControllers, EventRecorder events, int workers) {
    this.client = client;
    this.budgets = budgets;
    this.pods = pods;
    this.replicaSets = replicaSets;
    this.deployments = deployments;
    this.replicationControllers = replicationControllers;
    this.events = events;
    this.controller = new Controller("disruption", workers, this::sync);
    budgets.addEventHandler(EnqueueHandler.of(b -> controller.enqueue(key(b.getMetadata().getNamespace(), b.getMetadata().getName()))));
    pods.addEventHandler(EnqueueHandler.of(this::enqueueBudgetsOf));
  }

  private static String key(String ns, String name) {
    return ns + "/" + name;
  }

  /** A pod's change matters to the budgets of its namespace that select it. */
  private void enqueueBudgetsOf(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    for (PodDisruptionBudget b : budgets.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
      if (selects(b, pod)) controller.enqueue(key(ns, b.getMetadata().getName()));
    }
  }

  public void start() {
    controller.start(List.of(budgets, pods, replicaSets, deployments, replicationControllers));
  }

  void sync(String key) {
    PodDisruptionBudget budget = budgets.getIndexer().getByKey(key);
    if (budget == null) return;
    String ns = budget.getMetadata().getNamespace();
    List<Pod> selected = new ArrayList<>();
    for (Pod p : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
      if (selects(budget, p)) selected.add(p);
    }
    Instant now = Instant.now();
    PodDisruptionBudgetStatus old = budget.getStatus() == null ? new PodDisruptionBudgetStatus() : budget.getStatus();
    Map<String, String> disrupted = stillDisrupted(old.getDisruptedPods(), selected, now);
    PodDisruptionBudgetStatus status;
    try {
      Expectation e = expectation(budget, selected);
      int healthy = currentHealthy(selected, disrupted);
      int allowed = Math.max(0, healthy - e.desiredHealthy());
      status = status(budget, old, e.expectedPods(), healthy, e.desiredHealthy(), allowed, disrupted,
          allowed > 0 ? "True" : "False", allowed > 0 ? "SufficientPods" : "InsufficientPods", "", now);
    } catch (ScaleException e) {
      // As Kubernetes' failSafe: when the budget cannot be evaluated, nothing may be disrupted.
      events.event(budget, "Warning", "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: " + e.getMessage());
      status = status(budget, old, old.getExpectedPods() == null ? 0 : old.getExpectedPods(),
          old.getCurrentHealthy() == null ? 0 : old.getCurrentHealthy(), old.getDesiredHealthy() == null ? 0 : old.getDesiredHealthy(),
          0, disrupted, "False", "SyncFailed", e.getMessage(), now);
    }
    if (!status.equals(budget.getStatus())) {
      PodDisruptionBudget updated = new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder(budget).withStatus(status).build();
      try {
        client.policy().v1().podDisruptionBudget().inNamespace(ns).resource(updated).updateStatus();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) throw e; // 409: the cache was behind; the retry reads the newer budget
      }
    }
    // Come back when the oldest unconfirmed eviction expires, so its pod counts healthy again.
    disrupted.values().stream().map(Instant::parse).min(Instant::compareTo)
        .ifPresent(t -> controller.enqueueAfter(key, Duration.between(now, t.plus(DELETION_TIMEOUT)).plusSeconds(1)));
  }

  private static PodDisruptionBudgetStatus status(PodDisruptionBudget budget, PodDisruptionBudgetStatus old, int expected,
      int healthy, int desired, int allowed, Map<String, String> disrupted, String conditionStatus, String reason,
      String message, Instant now) {
    Condition previous = old.getConditions() == null ? null
        : old.getConditions().stream().filter(c -> "DisruptionAllowed".equals(c.getType())).findFirst().orElse(null);
    Long generation = budget.getMetadata().getGeneration();
    String since = previous != null && conditionStatus.equals(previous.getStatus()) && previous.getLastTransitionTime() != null
        ? previous.getLastTransitionTime() : now.truncatedTo(ChronoUnit.SECONDS).toString();
    Condition condition = new ConditionBuilder().withType("DisruptionAllowed").withStatus(conditionStatus).withReason(reason)
        .withMessage(message).withObservedGeneration(generation).withLastTransitionTime(since).build();
    return new PodDisruptionBudgetStatusBuilder().withObservedGeneration(generation).withExpectedPods(expected)
        .withCurrentHealthy(healthy).withDesiredHealthy(desired).withDisruptionsAllowed(allowed)
        .withDisruptedPods(disrupted.isEmpty() ? null : disrupted).withConditions(condition).build();
  }

  /**
   * The recorded evictions still pending: a pod that is gone or being deleted has been disrupted
   * as planned, and one whose eviction is older than the timeout was never deleted.
   */
  static Map<String, String> stillDisrupted(Map<String, String> recorded, List<Pod> selected, Instant now) {
    Map<String, String> pending = new LinkedHashMap<>();
    if (recorded == null) return pending;
    recorded.forEach((name, at) -> {
      Pod pod = selected.stream().filter(p -> name.equals(p.getMetadata().getName())).findFirst().orElse(null);
      if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) return;
      try {
        if (Instant.parse(at).plus(DELETION_TIMEOUT).isAfter(now)) pending.put(name, at);
      } catch (java.time.format.DateTimeParseException e) {
        // an unreadable time is no pending eviction
      }
    });
    return pending;
  }

  /** Pods ready, not being deleted and not just evicted. */
  static int currentHealthy(List<Pod> selected, Map<String, String> disrupted) {
    int healthy = 0;
    for (Pod p : selected) {
      if (!disrupted.containsKey(p.getMetadata().getName()) && ServicePods.ready(p)) healthy++;
    }
    return healthy;
  }

  /**
   * Kubernetes' getExpectedPodCount: an integer minAvailable counts the selected pods; a
   * percentage, or maxUnavailable, counts what the pods' controllers want (their scale).
   */
  Expectation expectation(PodDisruptionBudget budget, List<Pod> selected) throws ScaleException {
    IntOrString maxUnavailable = budget.getSpec().getMaxUnavailable();
    IntOrString minAvailable = budget.getSpec().getMinAvailable();
    if (maxUnavailable != null) {
      int expected = expectedScale(selected);
      int unavailable = resolve(maxUnavailable, expected);
      return new Expectation(expected, Math.max(0, expected - unavailable));
    }
    if (minAvailable != null) {
      if (minAvailable.getIntVal() != null) return new Expectation(selected.size(), minAvailable.getIntVal());
      int expected = expectedScale(selected);
      return new Expectation(expected, resolve(minAvailable, expected));
    }
    return new Expectation(selected.size(), 0);
  }

  /** An integer, or a percentage of {@code total} rounded up, as the API server validated it. */
  static int resolve(IntOrString value, int total) throws ScaleException {
    if (value.getIntVal() != null) return value.getIntVal();
    String s = value.getStrVal() == null ? "" : value.getStrVal();
    if (!s.endsWith("%")) throw new ScaleException("invalid value for IntOrString: invalid type: string is not a percentage");
    try {
      int percent = Integer.parseInt(s.substring(0, s.length() - 1));
      return (int) Math.ceil(percent * (double) total / 100);
    } catch (NumberFormatException e) {
      throw new ScaleException("invalid value for IntOrString: invalid value \"" + s + "\"");
    }
  }

  /** The summed scale of the selected pods' controllers, each counted once. */
  int expectedScale(List<Pod> selected) throws ScaleException {
    Map<String, Integer> scales = new LinkedHashMap<>();
    for (Pod p : selected) {
      OwnerReference ref = ControllerRefs.controllerOf(p);
      if (ref == null) throw new ScaleException("found no controller ref for pod \"" + p.getMetadata().getName() + "\"");
      if (scales.containsKey(ref.getUid())) continue;
      String ns = p.getMetadata().getNamespace();
      Map.Entry<String, Integer> scale = scaleOf(ns, ref);
      if (scale == null) throw new ScaleException("found no controllers for pod \"" + p.getMetadata().getName() + "\"");
      scales.put(scale.getKey(), scale.getValue());
      scales.putIfAbsent(ref.getUid(), 0); // the pod's direct controller, when the scale is its owner's
    }
    return scales.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The controller that decides a pod's count (a ReplicaSet's Deployment), with its replicas, or null. */
  private Map.Entry<String, Integer> scaleOf(String ns, OwnerReference ref) {
    String group = ref.getApiVersion() == null ? "" : ref.getApiVersion().replaceFirst("/?[^/]*$", "");
    switch (group + "/" + ref.getKind()) {
      case "apps/ReplicaSet" -> {
        ReplicaSet rs = replicaSets.getIndexer().getByKey(key(ns, ref.getName()));
        if (rs == null || !Objects.equals(rs.getMetadata().getUid(), ref.getUid())) return null;
        OwnerReference owner = ControllerRefs.controllerOf(rs);
        if (owner != null && "Deployment".equals(owner.getKind())) {
          Deployment d = deployments.getIndexer().getByKey(key(ns, owner.getName()));
          if (d != null && Objects.equals(d.getMetadata().getUid(), owner.getUid())) {
            return Map.entry(owner.getUid(), d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas());
          }
        }
        return Map.entry(ref.getUid(), rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas());
      }
      case "/ReplicationController" -> {
        ReplicationController rc = replicationControllers.getIndexer().getByKey(key(ns, ref.getName()));
        if (rc == null || !Objects.equals(rc.getMetadata().getUid(), ref.getUid())) return null;
        return Map.entry(ref.getUid(), rc.getSpec().getReplicas() == null ? 1 : rc.getSpec().getReplicas());
      }
      case "apps/StatefulSet" -> {
        // No StatefulSet informer in the controller manager yet: one read, rare enough.
        StatefulSet ss = client.apps().statefulSets().inNamespace(ns).withName(ref.getName()).get();
        if (ss == null || !Objects.equals(ss.getMetadata().getUid(), ref.getUid())) return null;
        return Map.entry(ref.getUid(), ss.getSpec().getReplicas() == null ? 1 : ss.getSpec().getReplicas());
      }
      default -> {
        return null;
      }
    }
  }

  /** A policy/v1 selector: absent selects no pod, empty selects every pod of the namespace. */
  static boolean selects(PodDisruptionBudget budget, Pod pod) {
    return budget.getSpec() != null && LabelSelectors.matches(budget.getSpec().getSelector(), pod.getMetadata().getLabels());
  }

  @Override
  public void close() {
    controller.close();
  }
}
