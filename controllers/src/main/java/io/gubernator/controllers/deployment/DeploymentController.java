package io.gubernator.controllers.deployment;

import static io.gubernator.controllers.deployment.DeploymentUtil.replicas;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' Deployment controller: each distinct pod template gets a ReplicaSet named
 * {@code <deployment>-<pod-template-hash>}; the controller moves replicas from the old ReplicaSets
 * to the new one by the strategy (RollingUpdate within maxSurge/maxUnavailable, or Recreate),
 * scales proportionally when the Deployment is resized mid-rollout, keeps
 * {@code revisionHistoryLimit} old ReplicaSets, and reports status with the Progressing and
 * Available conditions. The rollout arithmetic lives in {@link Rollout}.
 */
public final class DeploymentController implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);

  final KubernetesClient client;
  final EventRecorder events;
  private final SharedIndexInformer<Deployment> deployments;
  private final SharedIndexInformer<ReplicaSet> replicaSets;
  private final SharedIndexInformer<Pod> pods;
  final Controller controller;

  public DeploymentController(KubernetesClient client, SharedIndexInformer<Deployment> deployments,
      SharedIndexInformer<ReplicaSet> replicaSets, SharedIndexInformer<Pod> pods, EventRecorder events, int workers) {
    this.client = client;
    this.deployments = deployments;
    this.replicaSets = replicaSets;
    this.pods = pods;
    this.events = events;
    this.controller = new Controller("deployment", workers, this::sync);
    deployments.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Deployment d) {
        controller.enqueue(Keys.of(d));
      }

      @Override
      public void onUpdate(Deployment old, Deployment d) {
        controller.enqueue(Keys.of(d));
      }

      @Override
      public void onDelete(Deployment d, boolean finalStateUnknown) {
        controller.enqueue(Keys.of(d));
      }
    });
    replicaSets.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ReplicaSet rs) {
        replicaSetChanged(null, rs);
      }

      @Override
      public void onUpdate(ReplicaSet old, ReplicaSet rs) {
        if (Objects.equals(old.getMetadata().getResourceVersion(), rs.getMetadata().getResourceVersion())) return;
        replicaSetChanged(old, rs);
      }

      @Override
      public void onDelete(ReplicaSet rs, boolean finalStateUnknown) {
        Deployment d = resolve(rs.getMetadata().getNamespace(), ControllerRefs.controllerOf(rs));
        if (d != null) controller.enqueue(Keys.of(d));
      }
    });
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {}

      @Override
      public void onUpdate(Pod old, Pod pod) {}

      /** Recreate waits for the old pods to be gone: their deletions wake it up. */
      @Override
      public void onDelete(Pod pod, boolean finalStateUnknown) {
        OwnerReference ref = ControllerRefs.controllerOf(pod);
        if (ref == null || !"ReplicaSet".equals(ref.getKind())) return;
        ReplicaSet rs = replicaSets.getIndexer().getByKey(Keys.of(pod.getMetadata().getNamespace(), ref.getName()));
        if (rs == null || !Objects.equals(rs.getMetadata().getUid(), ref.getUid())) return;
        Deployment d = resolve(rs.getMetadata().getNamespace(), ControllerRefs.controllerOf(rs));
        if (d != null && DeploymentUtil.isRecreate(d)) controller.enqueue(Keys.of(d));
      }
    });
  }

  public void start() {
    controller.start(List.of(deployments, replicaSets, pods));
  }

  private void replicaSetChanged(ReplicaSet old, ReplicaSet rs) {
    OwnerReference ref = ControllerRefs.controllerOf(rs);
    OwnerReference oldRef = old == null ? null : ControllerRefs.controllerOf(old);
    if (oldRef != null && (ref == null || !oldRef.getUid().equals(ref.getUid()))) {
      Deployment previous = resolve(old.getMetadata().getNamespace(), oldRef);
      if (previous != null) controller.enqueue(Keys.of(previous));
    }
    if (ref != null) {
      Deployment d = resolve(rs.getMetadata().getNamespace(), ref);
      if (d != null) controller.enqueue(Keys.of(d));
      return;
    }
    if (ControllerRefs.beingDeleted(rs)) return;
    // An orphan: any Deployment whose selector matches may adopt it.
    for (Deployment d : deployments.getIndexer().byIndex(Cache.NAMESPACE_INDEX, rs.getMetadata().getNamespace())) {
      if (LabelSelectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels())) controller.enqueue(Keys.of(d));
    }
  }

  private Deployment resolve(String namespace, OwnerReference ref) {
    if (ref == null || !"Deployment".equals(ref.getKind())) return null;
    Deployment d = deployments.getIndexer().getByKey(Keys.of(namespace, ref.getName()));
    return d != null && Objects.equals(d.getMetadata().getUid(), ref.getUid()) ? d : null;
  }

  // ------------------------------------------------------------------ sync

  void sync(String key) throws Exception {
    Deployment cached = deployments.getIndexer().getByKey(key);
    if (cached == null) return;
    Rollout r = new Rollout(this, client.getKubernetesSerialization().clone(cached));
    Deployment d = r.d;
    LabelSelector selector = d.getSpec().getSelector();
    if (selector == null || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
        && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty()))) {
      // Kubernetes refuses to act on a selector that selects everything.
      events.event(d, EventRecorder.WARNING, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      return;
    }
    List<ReplicaSet> owned = claimReplicaSets(d);
    if (ControllerRefs.beingDeleted(d)) {
      r.syncStatusOnly(owned);
      return;
    }
    r.checkPausedConditions();
    if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
      r.scaleSync(owned);
      return;
    }
    if (r.isScalingEvent(owned)) {
      r.scaleSync(owned);
      return;
    }
    if (DeploymentUtil.isRecreate(d)) r.rolloutRecreate(owned, podsByReplicaSet(d, owned));
    else r.rolloutRolling(owned);
  }

  /** {@code ReplicaSetControllerRefManager.ClaimReplicaSets}: owned and matching, plus adopted orphans; releases those that stopped matching. */
  private List<ReplicaSet> claimReplicaSets(Deployment d) {
    String uid = d.getMetadata().getUid();
    List<ReplicaSet> claimed = new ArrayList<>();
    boolean adoptionChecked = false;
    for (ReplicaSet rs : replicaSets.getIndexer().byIndex(Cache.NAMESPACE_INDEX, d.getMetadata().getNamespace())) {
      OwnerReference ref = ControllerRefs.controllerOf(rs);
      boolean matches = LabelSelectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels());
      if (ref != null) {
        if (!uid.equals(ref.getUid())) continue;
        if (matches || ControllerRefs.beingDeleted(d)) {
          if (matches) claimed.add(rs);
          continue;
        }
        ReplicaSet copy = client.getKubernetesSerialization().clone(rs);
        ControllerRefs.removeOwnerRef(copy, uid);
        updateIgnoringGone(copy);
        continue;
      }
      if (!matches || ControllerRefs.beingDeleted(d) || ControllerRefs.beingDeleted(rs)) continue;
      if (!adoptionChecked) {
        Deployment fresh = client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).withName(d.getMetadata().getName()).get();
        if (fresh == null || !uid.equals(fresh.getMetadata().getUid())) {
          throw new IllegalStateException("original Deployment " + Keys.of(d) + " is gone");
        }
        if (ControllerRefs.beingDeleted(fresh)) return claimed;
        adoptionChecked = true;
      }
      ReplicaSet copy = client.getKubernetesSerialization().clone(rs);
      ControllerRefs.addOwnerRef(copy, ControllerRefs.newControllerRef(d));
      ReplicaSet adopted = updateIgnoringGone(copy);
      if (adopted != null) {
        LOG.info("adopted replicaset: deployment={} replicaset={}", Keys.of(d), rs.getMetadata().getName());
        claimed.add(adopted);
      }
    }
    return claimed;
  }

  private ReplicaSet updateIgnoringGone(ReplicaSet rs) {
    try {
      return client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) return null;
      throw e;
    }
  }

  /** Active and finished pods of each owned ReplicaSet, by ReplicaSet UID (Recreate waits for them to be gone). */
  private Map<String, List<Pod>> podsByReplicaSet(Deployment d, List<ReplicaSet> owned) {
    Set<String> uids = owned.stream().map(rs -> rs.getMetadata().getUid()).collect(Collectors.toSet());
    Map<String, List<Pod>> out = new HashMap<>();
    for (Pod p : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, d.getMetadata().getNamespace())) {
      OwnerReference ref = ControllerRefs.controllerOf(p);
      if (ref != null && uids.contains(ref.getUid())) out.computeIfAbsent(ref.getUid(), k -> new ArrayList<>()).add(p);
    }
    return out;
  }

  // ------------------------------------------------------------------ writes used by Rollout

  /** A new ReplicaSet for the Deployment's current template (spec and annotations set by the caller). */
  ReplicaSet newReplicaSetSkeleton(Deployment d, String hash) {
    PodTemplateSpec template = client.getKubernetesSerialization().clone(d.getSpec().getTemplate());
    Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels() == null ? Map.of() : template.getMetadata().getLabels());
    labels.put(DeploymentUtil.HASH_LABEL, hash);
    template.getMetadata().setLabels(labels);
    LabelSelector selector = client.getKubernetesSerialization().clone(d.getSpec().getSelector());
    Map<String, String> match = new HashMap<>(selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels());
    match.put(DeploymentUtil.HASH_LABEL, hash);
    selector.setMatchLabels(match);
    return new ReplicaSetBuilder()
        .withNewMetadata().withName(d.getMetadata().getName() + "-" + hash).withNamespace(d.getMetadata().getNamespace())
        .withLabels(labels).withOwnerReferences(ControllerRefs.newControllerRef(d)).endMetadata()
        .withNewSpec().withReplicas(0).withMinReadySeconds(d.getSpec().getMinReadySeconds())
        .withSelector(selector).withTemplate(template).endSpec()
        .build();
  }

  ReplicaSet updateReplicaSet(ReplicaSet rs) {
    return client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).update();
  }

  Deployment updateDeploymentStatus(Deployment d, DeploymentStatus status) {
    Deployment copy = client.getKubernetesSerialization().clone(d);
    copy.setStatus(status);
    return client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(copy).updateStatus();
  }

  /** Sets the revision annotation through the main resource: the API server's status updates keep metadata as stored. */
  Deployment setDeploymentRevision(Deployment d, String revision) {
    Map<String, String> annotations = d.getMetadata().getAnnotations();
    if (annotations != null && Objects.equals(annotations.get(DeploymentUtil.REVISION), revision)) return d;
    Deployment copy = client.getKubernetesSerialization().clone(d);
    Map<String, String> a = new HashMap<>(annotations == null ? Map.of() : annotations);
    a.put(DeploymentUtil.REVISION, revision);
    copy.getMetadata().setAnnotations(a);
    return client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(copy).update();
  }

  static List<ReplicaSet> byCreation(List<ReplicaSet> list) {
    return list.stream().sorted(Comparator.comparing((ReplicaSet rs) -> rs.getMetadata().getCreationTimestamp(),
        Comparator.nullsLast(Comparator.naturalOrder())).thenComparing(rs -> rs.getMetadata().getName())).toList();
  }

  @Override
  public void close() {
    controller.close();
  }
}
