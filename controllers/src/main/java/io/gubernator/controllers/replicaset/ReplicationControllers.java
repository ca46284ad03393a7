package io.gubernator.controllers.replicaset;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ReplicationControllerCondition;
import io.fabric8.kubernetes.api.model.ReplicationControllerConditionBuilder;
import io.fabric8.kubernetes.api.model.ReplicationControllerStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Keys;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * core/v1 ReplicationControllers as the replica controller's source: each is converted to a
 * ReplicaSet that keeps the RC's kind and apiVersion (so owner references and events name the
 * RC), its equality selector becoming matchLabels; the computed status is converted back.
 */
final class ReplicationControllers extends ReplicaSource<ReplicationController> {

  ReplicationControllers(KubernetesClient client, SharedIndexInformer<ReplicationController> informer) {
    super(client, informer, "ReplicationController", "replicationmanager");
  }

  @Override
  ReplicaSet asReplicaSet(ReplicationController rc) {
    return toReplicaSet(rc);
  }

  static ReplicaSet toReplicaSet(ReplicationController rc) {
    if (rc == null) return null;
    var spec = rc.getSpec();
    Map<String, String> selector = spec.getSelector();
    // An RC without a selector selects its template's labels (the API server defaults it so too).
    if ((selector == null || selector.isEmpty()) && spec.getTemplate() != null && spec.getTemplate().getMetadata() != null) {
      selector = spec.getTemplate().getMetadata().getLabels();
    }
    ReplicaSet rs = new ReplicaSetBuilder().withMetadata(rc.getMetadata())
        .withNewSpec().withReplicas(spec.getReplicas()).withMinReadySeconds(spec.getMinReadySeconds())
        .withSelector(new LabelSelectorBuilder().withMatchLabels(selector).build()).withTemplate(spec.getTemplate()).endSpec()
        .build();
    rs.setApiVersion("v1");
    rs.setKind("ReplicationController");
    ReplicationControllerStatus s = rc.getStatus();
    if (s != null) {
      ReplicaSetStatus status = new ReplicaSetStatus();
      status.setReplicas(s.getReplicas());
      status.setFullyLabeledReplicas(s.getFullyLabeledReplicas());
      status.setReadyReplicas(s.getReadyReplicas());
      status.setAvailableReplicas(s.getAvailableReplicas());
      status.setObservedGeneration(s.getObservedGeneration());
      List<ReplicaSetCondition> conditions = s.getConditions() == null ? null : s.getConditions().stream()
          .map(c -> new ReplicaSetConditionBuilder().withType(c.getType()).withStatus(c.getStatus()).withReason(c.getReason())
              .withMessage(c.getMessage()).withLastTransitionTime(c.getLastTransitionTime()).build()).toList();
      status.setConditions(conditions);
      rs.setStatus(status);
    }
    return rs;
  }

  static ReplicationControllerStatus toRcStatus(ReplicaSetStatus s) {
    ReplicationControllerStatus status = new ReplicationControllerStatus();
    status.setReplicas(s.getReplicas());
    status.setFullyLabeledReplicas(s.getFullyLabeledReplicas());
    status.setReadyReplicas(s.getReadyReplicas());
    status.setAvailableReplicas(s.getAvailableReplicas());
    status.setObservedGeneration(s.getObservedGeneration());
    List<ReplicationControllerCondition> conditions = s.getConditions() == null ? null : s.getConditions().stream()
        .map(c -> new ReplicationControllerConditionBuilder().withType(c.getType()).withStatus(c.getStatus()).withReason(c.getReason())
            .withMessage(c.getMessage()).withLastTransitionTime(c.getLastTransitionTime()).build()).toList();
    status.setConditions(conditions);
    return status;
  }

  @Override
  ReplicaSet fresh(String namespace, String name) {
    return toReplicaSet(client.replicationControllers().inNamespace(namespace).withName(name).get());
  }

  @Override
  ReplicaSet updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
    var ops = client.replicationControllers().inNamespace(rs.getMetadata().getNamespace());
    ReplicationController current = informer.getIndexer().getByKey(Keys.of(rs));
    if (current == null || !Objects.equals(current.getMetadata().getUid(), rs.getMetadata().getUid())) return null;
    ReplicationController copy = client.getKubernetesSerialization().clone(current);
    copy.setStatus(toRcStatus(status));
    try {
      return toReplicaSet(ops.resource(copy).updateStatus());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) throw e;
      ReplicationController fresh = ops.withName(rs.getMetadata().getName()).get();
      if (fresh == null || !Objects.equals(fresh.getMetadata().getUid(), rs.getMetadata().getUid())) return null;
      fresh.setStatus(toRcStatus(status));
      return toReplicaSet(ops.resource(fresh).updateStatus());
    }
  }
}
