package io.gubernator.controllers.replicaset;

import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Objects;

/** apps/v1 ReplicaSets as the replica controller's source: no conversion needed. */
final class ReplicaSets extends ReplicaSource<ReplicaSet> {

  ReplicaSets(KubernetesClient client, SharedIndexInformer<ReplicaSet> informer) {
    super(client, informer, "ReplicaSet", "replicaset");
  }

  @Override
  ReplicaSet asReplicaSet(ReplicaSet rs) {
    return rs;
  }

  @Override
  ReplicaSet fresh(String namespace, String name) {
    return client.apps().replicaSets().inNamespace(namespace).withName(name).get();
  }

  /** Through the status subresource; one retry on a conflict, with a fresh read. */
  @Override
  ReplicaSet updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
    ReplicaSet copy = client.getKubernetesSerialization().clone(rs);
    copy.setStatus(status);
    var ops = client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace());
    try {
      return ops.resource(copy).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) throw e;
      ReplicaSet fresh = ops.withName(rs.getMetadata().getName()).get();
      if (fresh == null || !Objects.equals(fresh.getMetadata().getUid(), rs.getMetadata().getUid())) return null;
      fresh.setStatus(status);
      return ops.resource(fresh).updateStatus();
    }
  }
}
