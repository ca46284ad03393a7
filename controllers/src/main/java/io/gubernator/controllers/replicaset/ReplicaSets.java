package io.gubernator.controllers.replicaset;

import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/** apps/v1 ReplicaSets as the replica controller's source: no conversion needed. */
final class ReplicaSets implements ReplicaSource {

  private final KubernetesClient client;
  private final SharedIndexInformer<ReplicaSet> informer;

  ReplicaSets(KubernetesClient client, SharedIndexInformer<ReplicaSet> informer) {
    this.client = client;
    this.informer = informer;
  }

  @Override
  public String kind() {
    return "ReplicaSet";
  }

  @Override
  public String controllerName() {
    return "replicaset";
  }

  @Override
  public SharedIndexInformer<?> informer() {
    return informer;
  }

  @Override
  public void onEvents(Consumer<String> changed, Consumer<String> deleted) {
    ReplicaSource.forward(informer, changed, deleted);
  }

  @Override
  public ReplicaSet get(String key) {
    return informer.getIndexer().getByKey(key);
  }

  @Override
  public List<ReplicaSet> inNamespace(String namespace) {
    return informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
  }

  @Override
  public ReplicaSet fresh(String namespace, String name) {
    return client.apps().replicaSets().inNamespace(namespace).withName(name).get();
  }

  /** Through the status subresource; one retry on a conflict, with a fresh read. */
  @Override
  public ReplicaSet updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
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
