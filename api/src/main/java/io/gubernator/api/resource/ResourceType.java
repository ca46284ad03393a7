package io.gubernator.api.resource;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Set;

/**
 * What the API server knows of one resource: its group/version/kind, URL names, scope, discovery
 * facts and the model class that its objects decode into.
 *
 * @param storageKey the path segment that names its objects in the store, shared by every version
 *     of the same resource ({@code apps/deployments}); null for a resource that is never stored
 *     (the access and token reviews: each create is answered and forgotten)
 */
public record ResourceType(
    String group,
    String version,
    String kind,
    String plural,
    String singular,
    boolean namespaced,
    List<String> shortNames,
    List<String> categories,
    Set<Subresource> subresources,
    Class<? extends HasMetadata> modelClass,
    String storageKey) {

  /** Subresources served by the generic registry. */
  public enum Subresource {
    STATUS("status"), SCALE("scale"), BINDING("binding"), FINALIZE("finalize"), EVICTION("eviction"),
    EPHEMERAL_CONTAINERS("ephemeralcontainers");

    private final String path;

    Subresource(String path) { this.path = path; }

    public String path() { return path; }
  }

  public static ResourceType of(String group, String version, String kind, String plural, boolean namespaced,
      Class<? extends HasMetadata> modelClass, List<String> shortNames, List<String> categories,
      Subresource... subresources) {
    return new ResourceType(group, version, kind, plural, kind.toLowerCase(), namespaced, shortNames, categories,
        subresources.length == 0 ? Set.of() : Set.of(subresources), modelClass,
        (group.isEmpty() ? "core" : group) + "/" + plural);
  }

  /** A resource that only answers creates and stores nothing, as Kubernetes' review APIs. */
  public static ResourceType createOnly(String group, String version, String kind, String plural, boolean namespaced,
      Class<? extends HasMetadata> modelClass) {
    return new ResourceType(group, version, kind, plural, kind.toLowerCase(), namespaced, List.of(), List.of(), Set.of(),
        modelClass, null);
  }

  public boolean stored() {
    return storageKey != null;
  }

  /** The verbs discovery lists: all of them for a stored resource, create alone otherwise. */
  public List<String> verbs() {
    return stored() ? ALL_VERBS : List.of("create");
  }

  private static final List<String> ALL_VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /** The same resource stored under another version's key (a second view of the same objects). */
  public ResourceType withStorageKey(String key) {
    return new ResourceType(group, version, kind, plural, singular, namespaced, shortNames, categories, subresources,
        modelClass, key);
  }

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  public String listKind() {
    return kind + "List";
  }

  /** {@code deployments.apps}, or {@code pods} for the core group, as Kubernetes names it in messages. */
  public String qualifiedName() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  public boolean has(Subresource subresource) {
    return subresources.contains(subresource);
  }
}
