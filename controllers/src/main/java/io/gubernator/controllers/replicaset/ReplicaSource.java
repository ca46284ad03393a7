package io.gubernator.controllers.replicaset;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.gubernator.client.Keys;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the replica controller manages, seen as ReplicaSets: the ReplicaSets themselves, or
 * ReplicationControllers converted on the way in and out — Kubernetes runs its replication manager
 * as the ReplicaSet controller over such a conversion, so both kinds behave alike. The cache of
 * {@code T} is an informer's; a source says how a {@code T} reads and writes as a ReplicaSet.
 */
abstract class ReplicaSource<T extends HasMetadata> {

  protected final KubernetesClient client;
  protected final SharedIndexInformer<T> informer;
  private final String kind;
  private final String controllerName;

  ReplicaSource(KubernetesClient client, SharedIndexInformer<T> informer, String kind, String controllerName) {
    this.client = client;
    this.informer = informer;
    this.kind = kind;
    this.controllerName = controllerName;
  }

  /** The kind as owner references and events name it ("ReplicaSet", "ReplicationController"). */
  final String kind() {
    return kind;
  }

  /** The controller's name, as kube-controller-manager calls it ("replicaset", "replicationmanager"). */
  final String controllerName() {
    return controllerName;
  }

  final SharedIndexInformer<T> informer() {
    return informer;
  }

  /** Calls {@code changed} with the key of every object added or updated, {@code deleted} with removed ones. */
  final void onEvents(Consumer<String> changed, Consumer<String> deleted) {
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(T o) {
        changed.accept(Keys.of(o));
      }

      @Override
      public void onUpdate(T old, T o) {
        changed.accept(Keys.of(o));
      }

      @Override
      public void onDelete(T o, boolean finalStateUnknown) {
        deleted.accept(Keys.of(o));
      }
    });
  }

  /** The cached object with this namespace/name key, as a ReplicaSet; null when absent. */
  final ReplicaSet get(String key) {
    T o = informer.getIndexer().getByKey(key);
    return o == null ? null : asReplicaSet(o);
  }

  final List<ReplicaSet> inNamespace(String namespace) {
    return informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace).stream().map(this::asReplicaSet).toList();
  }

  /** The object as the API has it now (not the cache), as a ReplicaSet; null when absent. */
  abstract ReplicaSet fresh(String namespace, String name);

  /** Writes {@code status} to the object {@code rs} shows; returns the written object as a ReplicaSet. */
  abstract ReplicaSet updateStatus(ReplicaSet rs, ReplicaSetStatus status);

  abstract ReplicaSet asReplicaSet(T object);
}
