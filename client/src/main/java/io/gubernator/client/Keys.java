package io.gubernator.client;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Work-queue keys as client-go's {@code MetaNamespaceKeyFunc}: {@code namespace/name}, or {@code name} for cluster-scoped objects. */
public final class Keys {

  private Keys() {}

  public static String of(HasMetadata o) {
    return of(o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  public static String of(String namespace, String name) {
    return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /** The namespace part of a key, or {@code null} for a cluster-scoped key. */
  public static String namespace(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? null : key.substring(0, slash);
  }

  public static String name(String key) {
    return key.substring(key.indexOf('/') + 1);
  }
}
