package io.gubernator.client;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * JSON merge patches by name. fabric8's {@code withName(n).patch(context, json)} first GETs the
 * object, only to build the patch's URL from it: a second round trip, and a read for the server,
 * on every patch. Handed an object that carries just the name, it sends the PATCH alone.
 */
public final class MergePatch {

  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

  private MergePatch() {}

  /**
   * Patches the object {@code empty}'s type names in {@code namespace} (null for cluster-scoped
   * kinds), or its {@code subresource} when not null; answers the object as the server returns it.
   */
  public static <T extends HasMetadata> T apply(MixedOperation<T, ?, ? extends Resource<T>> ops, T empty,
      String namespace, String name, String subresource, String patch) {
    ObjectMeta meta = new ObjectMeta();
    meta.setNamespace(namespace);
    meta.setName(name);
    empty.setMetadata(meta);
    Resource<T> resource = namespace == null ? ops.resource(empty) : ops.inNamespace(namespace).resource(empty);
    return subresource == null ? resource.patch(MERGE, patch) : resource.subresource(subresource).patch(MERGE, patch);
  }
}
