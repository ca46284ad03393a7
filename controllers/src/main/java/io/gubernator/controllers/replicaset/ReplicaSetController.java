package io.gubernator.controllers.replicaset;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.gubernator.client.Controller;
import io.gubernator.client.EventRecorder;
import io.gubernator.client.Keys;
import io.gubernator.client.LabelSelectors;
import io.gubernator.controllers.ControllerRefs;
import io.gubernator.controllers.Expectations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' ReplicaSet controller (and, over a {@link ReplicaSource} that converts, its
 * replication manager for ReplicationControllers): keeps {@code spec.replicas} active pods matching the
 * selector, owned through a controller reference. Pods are adopted when they match and have no
 * controller, released when they stop matching, created in slow-start batches (1, 2, 4, …) so a
 * failing create does not become a storm, and deleted in {@link PodRanking} order. Expectations
 * keep a lagging pod cache from causing duplicate creates or deletes.
 */
public final class ReplicaSetController implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicaSetController.class);
  /** Kubernetes' burstReplicas: at most this many creates or deletes per sync. */
  static final int BURST_REPLICAS = 500;
  static final int SLOW_START_INITIAL_BATCH = 1;

  private final KubernetesClient client;
  private final ReplicaSource<?> replicaSets;
  private final SharedIndexInformer<Pod> pods;
  private final EventRecorder events;
  private final Expectations expectations = new Expectations();
  private final Controller controller;
  private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();

  /** The ReplicaSet controller. */
  public static ReplicaSetController forReplicaSets(KubernetesClient client, SharedIndexInformer<ReplicaSet> replicaSets,
      SharedIndexInformer<Pod> pods, EventRecorder events, int workers) {
    return new ReplicaSetController(client, new ReplicaSets(client, replicaSets), pods, events, workers);
  }

  /** The replication manager: the same controller over ReplicationControllers. */
  public static ReplicaSetController forReplicationControllers(KubernetesClient client,
      SharedIndexInformer<io.fabric8.kubernetes.api.model.ReplicationController> rcs, SharedIndexInformer<Pod> pods,
      EventRecorder events, int workers) {
    return new ReplicaSetController(client, new ReplicationControllers(client, rcs), pods, events, workers);
  }

  private ReplicaSetController(KubernetesClient client, ReplicaSource<?> replicaSets,
      SharedIndexInformer<Pod> pods, EventRecorder events, int workers) {
    this.client = client;
    this.replicaSets = replicaSets;
    this.pods = pods;
    this.events = events;
    this.controller = new Controller(replicaSets.controllerName(), workers, this::sync);
    replicaSets.onEvents(controller::enqueue, key -> {
      expectations.delete(key);
      controller.enqueue(key);
    });
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        addPod(pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        updatePod(old, pod);
      }

      @Override
      public void onDelete(Pod pod, boolean finalStateUnknown) {
        deletePod(pod);
      }
    });
  }

  public void start() {
    controller.start(List.of(replicaSets.informer(), pods));
  }

  // ------------------------------------------------------------------ event handlers: enqueue only

  private void addPod(Pod pod) {
    if (ControllerRefs.beingDeleted(pod)) {
      // Seen for the first time already marked (a restart): a deletion as far as expectations go.
      deletePod(pod);
      return;
    }
    OwnerReference ref = ControllerRefs.controllerOf(pod);
    if (ref != null) {
      ReplicaSet rs = resolve(pod.getMetadata().getNamespace(), ref);
      if (rs == null) return;
      expectations.creationObserved(Keys.of(rs));
      controller.enqueue(Keys.of(rs));
      return;
    }
    // An orphan: every matching ReplicaSet may want to adopt it.
    for (ReplicaSet rs : matchingReplicaSets(pod)) controller.enqueue(Keys.of(rs));
  }

  private void updatePod(Pod old, Pod pod) {
    if (Objects.equals(old.getMetadata().getResourceVersion(), pod.getMetadata().getResourceVersion())) return;
    boolean labelsChanged = !Objects.equals(old.getMetadata().getLabels(), pod.getMetadata().getLabels());
    if (ControllerRefs.beingDeleted(pod)) {
      deletePod(pod);
      if (labelsChanged) deletePod(old);
      return;
    }
    OwnerReference oldRef = ControllerRefs.controllerOf(old);
    OwnerReference ref = ControllerRefs.controllerOf(pod);
    boolean refChanged = !Objects.equals(oldRef == null ? null : oldRef.getUid(), ref == null ? null : ref.getUid());
    if (refChanged && oldRef != null) {
      ReplicaSet previous = resolve(old.getMetadata().getNamespace(), oldRef);
      if (previous != null) controller.enqueue(Keys.of(previous));
    }
    if (ref != null) {
      ReplicaSet rs = resolve(pod.getMetadata().getNamespace(), ref);
      if (rs == null) return;
      controller.enqueue(Keys.of(rs));
      // A pod that just turned ready becomes available minReadySeconds later: look again then.
      int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
      if (minReady > 0 && !PodRanking.isReady(old) && PodRanking.isReady(pod)) {
        controller.enqueueAfter(Keys.of(rs), Duration.ofSeconds(minReady + 1));
      }
      return;
    }
    if (labelsChanged || refChanged) {
      for (ReplicaSet rs : matchingReplicaSets(pod)) controller.enqueue(Keys.of(rs));
    }
  }

  private void deletePod(Pod pod) {
    OwnerReference ref = ControllerRefs.controllerOf(pod);
    if (ref == null) return;
    ReplicaSet rs = resolve(pod.getMetadata().getNamespace(), ref);
    if (rs == null) return;
    expectations.deletionObserved(Keys.of(rs), Keys.of(pod));
    controller.enqueue(Keys.of(rs));
  }

  /** The cached ReplicaSet a controller reference points to, if it is that very object (same UID). */
  private ReplicaSet resolve(String namespace, OwnerReference ref) {
    if (!replicaSets.kind().equals(ref.getKind())) return null;
    ReplicaSet rs = replicaSets.get(Keys.of(namespace, ref.getName()));
    return rs != null && Objects.equals(rs.getMetadata().getUid(), ref.getUid()) ? rs : null;
  }

  private List<ReplicaSet> matchingReplicaSets(Pod pod) {
    if (pod.getMetadata().getLabels() == null) return List.of();
    return replicaSets.inNamespace(pod.getMetadata().getNamespace()).stream()
        .filter(rs -> LabelSelectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels()))
        .toList();
  }

  // ------------------------------------------------------------------ sync

  void sync(String key) throws Exception {
    ReplicaSet rs = replicaSets.get(key);
    if (rs == null) {
      expectations.delete(key);
      return;
    }
    boolean needsSync = expectations.satisfied(key) && !ControllerRefs.beingDeleted(rs);
    List<Pod> active = pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, rs.getMetadata().getNamespace()).stream()
        .filter(ReplicaSetController::isActive).toList();
    List<Pod> owned = claimPods(rs, active);
    Exception manageError = null;
    if (needsSync) {
      try {
        manageReplicas(key, rs, owned);
      } catch (Exception e) {
        manageError = e;
      }
    }
    ReplicaSetStatus status = calculateStatus(rs, owned, manageError);
    ReplicaSet updated = updateStatus(rs, status);
    if (manageError != null) throw manageError;
    int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
    if (minReady > 0 && updated != null && updated.getStatus() != null
        && Objects.equals(updated.getStatus().getReadyReplicas(), replicas(updated))
        && !Objects.equals(updated.getStatus().getAvailableReplicas(), replicas(updated))) {
      controller.enqueueAfter(key, Duration.ofSeconds(minReady));
    }
  }

  /** {@code controller.IsPodActive}: not finished and not being deleted. */
  static boolean isActive(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase) && p.getMetadata().getDeletionTimestamp() == null;
  }

  private static int replicas(ReplicaSet rs) {
    return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
  }

  /**
   * {@code PodControllerRefManager.ClaimPods}: keeps the pods this ReplicaSet controls that still
   * match, adopts matching orphans and releases owned pods that no longer match. Adoption first
   * re-reads the ReplicaSet from the API so that one deleted (or replaced) meanwhile adopts nothing.
   */
  private List<Pod> claimPods(ReplicaSet rs, List<Pod> candidates) throws Exception {
    String uid = rs.getMetadata().getUid();
    List<Pod> claimed = new ArrayList<>();
    boolean adoptionChecked = false;
    for (Pod pod : candidates) {
      OwnerReference ref = ControllerRefs.controllerOf(pod);
      boolean matches = LabelSelectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels());
      if (ref != null) {
        if (!uid.equals(ref.getUid())) continue;
        if (matches) {
          claimed.add(pod);
        } else if (!ControllerRefs.beingDeleted(rs)) {
          release(rs, pod);
        }
        continue;
      }
      if (!matches || ControllerRefs.beingDeleted(rs) || ControllerRefs.beingDeleted(pod)) continue;
      if (!adoptionChecked) {
        ReplicaSet fresh = replicaSets.fresh(rs.getMetadata().getNamespace(), rs.getMetadata().getName());
        if (fresh == null || !uid.equals(fresh.getMetadata().getUid())) {
          throw new IllegalStateException("original " + replicaSets.kind() + " " + Keys.of(rs) + " is gone: got uid "
              + (fresh == null ? null : fresh.getMetadata().getUid()) + ", wanted " + uid);
        }
        if (ControllerRefs.beingDeleted(fresh)) return claimed;
        adoptionChecked = true;
      }
      Pod adopted = client.getKubernetesSerialization().clone(pod);
      ControllerRefs.addOwnerRef(adopted, ControllerRefs.newControllerRef(rs));
      try {
        // An update with the cached resourceVersion: if another controller got there first, we conflict.
        claimed.add(client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(adopted).update());
        LOG.info("adopted pod: replicaset={} pod={}", Keys.of(rs), pod.getMetadata().getName());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) throw e;
      }
    }
    return claimed;
  }

  private void release(ReplicaSet rs, Pod pod) {
    Pod copy = client.getKubernetesSerialization().clone(pod);
    if (!ControllerRefs.removeOwnerRef(copy, rs.getMetadata().getUid())) return;
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(copy).update();
      LOG.info("released pod: replicaset={} pod={}", Keys.of(rs), pod.getMetadata().getName());
    } catch (KubernetesClientException e) {
      // Gone or changed meanwhile: the next sync sees the new state (a 409 requeues through the caller's retry).
      if (e.getCode() != 404) throw e;
    }
  }

  private void manageReplicas(String key, ReplicaSet rs, List<Pod> owned) throws Exception {
    int diff = owned.size() - replicas(rs);
    if (diff < 0) {
      int toCreate = Math.min(-diff, BURST_REPLICAS);
      // Expect them all before the first request: the informer may report a pod before create returns.
      expectations.expectCreations(key, toCreate);
      LOG.info("too few replicas: replicaset={} need={} creating={}", key, replicas(rs), toCreate);
      BatchResult result = slowStartBatch(toCreate, () -> createPod(rs));
      int skipped = toCreate - result.attempted();
      if (skipped > 0) {
        // Never attempted, so never observed: lower the expectations so the next sync can try again.
        LOG.info("slow start stopped: replicaset={} skipped={}", key, skipped);
        for (int i = 0; i < skipped; i++) expectations.creationObserved(key);
      }
      if (result.error() != null) throw result.error();
    } else if (diff > 0) {
      int toDelete = Math.min(diff, BURST_REPLICAS);
      List<Pod> victims = owned.stream().sorted(PodRanking.DELETE_FIRST).limit(toDelete).toList();
      Set<String> victimKeys = new HashSet<>();
      victims.forEach(p -> victimKeys.add(Keys.of(p)));
      expectations.expectDeletions(key, victimKeys);
      LOG.info("too many replicas: replicaset={} need={} deleting={}", key, replicas(rs), toDelete);
      List<Future<?>> results = new ArrayList<>();
      for (Pod p : victims) {
        results.add(requests.submit(() -> {
          deletePod(key, rs, p);
          return null;
        }));
      }
      Exception first = null;
      for (Future<?> f : results) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (first == null) first = (Exception) e.getCause();
        }
      }
      if (first != null) throw first;
    }
  }

  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }

  /** How a slow-start run went: {@code attempted} actions were tried; {@code error} is the first failure, if any. */
  private record BatchResult(int attempted, Exception error) {}

  /**
   * Runs {@code count} actions in batches of 1, 2, 4, … in parallel and stops after the first
   * batch with a failure, so that a create the API refuses is tried a few times, not hundreds.
   */
  private BatchResult slowStartBatch(int count, Action action) throws InterruptedException {
    int attempted = 0;
    for (int batch = Math.min(count, SLOW_START_INITIAL_BATCH); batch > 0; batch = Math.min(2 * batch, count - attempted)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        futures.add(requests.submit(() -> {
          action.run();
          return null;
        }));
      }
      attempted += batch;
      Exception error = null;
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          if (error == null) error = e.getCause() instanceof Exception ex ? ex : new RuntimeException(e.getCause());
        }
      }
      if (error != null) return new BatchResult(attempted, error);
    }
    return new BatchResult(attempted, null);
  }

  private void createPod(ReplicaSet rs) {
    String key = Keys.of(rs);
    Pod pod = podFromTemplate(rs);
    try {
      Pod created = client.pods().inNamespace(rs.getMetadata().getNamespace()).resource(pod).create();
      events.event(rs, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
    } catch (KubernetesClientException e) {
      expectations.creationObserved(key);
      if (!isNamespaceTerminating(e)) {
        events.event(rs, EventRecorder.WARNING, "FailedCreate", "Error creating: " + e.getMessage());
      }
      throw e;
    }
  }

  private static boolean isNamespaceTerminating(KubernetesClientException e) {
    return e.getCode() == 403 && e.getMessage() != null && e.getMessage().contains("being terminated");
  }

  /** {@code controller.GetPodFromTemplate}: labels, annotations, finalizers and spec of the template, owned by the ReplicaSet. */
  private Pod podFromTemplate(ReplicaSet rs) {
    PodTemplateSpec template = client.getKubernetesSerialization().clone(rs.getSpec().getTemplate());
    var meta = template.getMetadata();
    return new PodBuilder()
        .withNewMetadata()
        .withGenerateName(rs.getMetadata().getName() + "-")
        .withNamespace(rs.getMetadata().getNamespace())
        .withLabels(meta == null ? null : meta.getLabels())
        .withAnnotations(meta == null ? null : meta.getAnnotations())
        .withFinalizers(meta == null ? null : meta.getFinalizers())
        .withOwnerReferences(ControllerRefs.newControllerRef(rs))
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
  }

  private void deletePod(String key, ReplicaSet rs, Pod pod) throws Exception {
    try {
      var deleted = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
      if (deleted.isEmpty()) {
        expectations.deletionObserved(key, Keys.of(pod));
        return;
      }
      events.event(rs, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + pod.getMetadata().getName());
    } catch (KubernetesClientException e) {
      // Not deleted, so its deletion will never be observed.
      expectations.deletionObserved(key, Keys.of(pod));
      if (e.getCode() == 404) return;
      events.event(rs, EventRecorder.WARNING, "FailedDelete", "Error deleting: " + e.getMessage());
      throw e;
    }
  }

  // ------------------------------------------------------------------ status

  private ReplicaSetStatus calculateStatus(ReplicaSet rs, List<Pod> owned, Exception manageError) {
    Instant now = Instant.now();
    int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
    var templateLabels = rs.getSpec().getTemplate() == null || rs.getSpec().getTemplate().getMetadata() == null
        ? null : rs.getSpec().getTemplate().getMetadata().getLabels();
    int fullyLabeled = 0;
    int ready = 0;
    int available = 0;
    for (Pod p : owned) {
      if (LabelSelectors.hasAll(p.getMetadata().getLabels(), templateLabels)) fullyLabeled++;
      if (PodRanking.isReady(p)) {
        ready++;
        if (PodRanking.isAvailable(p, minReady, now)) available++;
      }
    }
    ReplicaSetStatus old = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
    List<ReplicaSetCondition> conditions = new ArrayList<>(old.getConditions() == null ? List.of() : old.getConditions());
    ReplicaSetCondition failure = conditions.stream().filter(c -> "ReplicaFailure".equals(c.getType())).findFirst().orElse(null);
    if (manageError != null && failure == null) {
      boolean creating = owned.size() < replicas(rs);
      conditions.add(new ReplicaSetConditionBuilder().withType("ReplicaFailure").withStatus("True")
          .withReason(creating ? "FailedCreate" : "FailedDelete").withMessage(rootMessage(manageError))
          .withLastTransitionTime(now.truncatedTo(ChronoUnit.SECONDS).toString()).build());
    } else if (manageError == null && failure != null) {
      conditions.remove(failure);
    }
    ReplicaSetStatus status = new ReplicaSetStatus();
    status.setReplicas(owned.size());
    status.setFullyLabeledReplicas(fullyLabeled);
    status.setReadyReplicas(ready);
    status.setAvailableReplicas(available);
    status.setObservedGeneration(rs.getMetadata().getGeneration());
    status.setConditions(conditions.isEmpty() ? null : conditions);
    return status;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return t.getMessage();
  }

  private static boolean sameStatus(ReplicaSetStatus a, ReplicaSetStatus b) {
    if (a == null) return false;
    return Objects.equals(a.getReplicas(), b.getReplicas())
        && Objects.equals(nz(a.getFullyLabeledReplicas()), nz(b.getFullyLabeledReplicas()))
        && Objects.equals(nz(a.getReadyReplicas()), nz(b.getReadyReplicas()))
        && Objects.equals(nz(a.getAvailableReplicas()), nz(b.getAvailableReplicas()))
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Objects.equals(emptyToNull(a.getConditions()), emptyToNull(b.getConditions()));
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  private static <T> List<T> emptyToNull(List<T> l) {
    return l == null || l.isEmpty() ? null : l;
  }

  /** Writes the status when it changed. */
  private ReplicaSet updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
    if (sameStatus(rs.getStatus(), status)) return rs;
    return replicaSets.updateStatus(rs, status);
  }

  Expectations expectations() {
    return expectations;
  }

  @Override
  public void close() {
    controller.close();
    requests.shutdownNow();
  }
}
