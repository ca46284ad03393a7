package io.gubernator.controllers.replicaset;

import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the replica controller manages, seen as ReplicaSets: the ReplicaSets themselves, or
 * ReplicationControllers converted on the way in and out — Kubernetes runs its replication manager
 * as the ReplicaSet controller over such a conversion, so both kinds behave alike.
 */
interface ReplicaSource {

  /** The kind as owner references and events name it ("ReplicaSet", "ReplicationController"). */
  String kind();

  /** The controller's name, as kube-controller-manager calls it ("replicaset", "replicationmanager"). */
  String controllerName();

  SharedIndexInformer<?> informer();

  /** Calls {@code changed} with the key of every object added or updated, {@code deleted} with removed ones. */
  void onEvents(Consumer<String> changed, Consumer<String> deleted);

  /** The cached object with this namespace/name key, as a ReplicaSet; null when absent. */
  ReplicaSet get(String key);

  List<ReplicaSet> inNamespace(String namespace);

  /** The object as the API has it now (not the cache), as a ReplicaSet; null when absent. */
  ReplicaSet fresh(String namespace, String name);

  /** Writes {@code status} to the object {@code rs} shows; returns the written object as a ReplicaSet. */
  ReplicaSet updateStatus(ReplicaSet rs, ReplicaSetStatus status);

  /** Forwards an informer's adds and updates to {@code changed}, its deletes to {@code deleted}, as namespace/name keys. */
  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void forward(SharedIndexInformer<T> informer,
      Consumer<String> changed, Consumer<String> deleted) {
    informer.addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
      @Override
      public void onAdd(T o) {
        changed.accept(io.gubernator.client.Keys.of(o));
      }

      @Override
      public void onUpdate(T old, T o) {
        changed.accept(io.gubernator.client.Keys.of(o));
      }

      @Override
      public void onDelete(T o, boolean finalStateUnknown) {
        deleted.accept(io.gubernator.client.Keys.of(o));
      }
    });
  }
}
