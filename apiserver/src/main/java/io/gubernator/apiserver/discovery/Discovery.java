package io.gubernator.apiserver.discovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.resource.ResourceRegistry;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import java.util.List;
import java.util.Map;

/**
 * The discovery documents kubectl reads before anything else: the legacy ones ({@code /api},
 * {@code /apis}, {@code /apis/g/v}) and the aggregated v2 list that kubectl 1.32 asks for first.
 */
public final class Discovery {

  public static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

  private final ResourceRegistry registry;

  public Discovery(ResourceRegistry registry) {
    this.registry = registry;
  }

  public ObjectNode apiVersions(String serverAddress) {
    ObjectNode root = Json.MAPPER.createObjectNode().put("kind", "APIVersions");
    root.putArray("versions").add("v1");
    root.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
    return root;
  }

  public ObjectNode apiGroupList() {
    ObjectNode root = Json.MAPPER.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
    ArrayNode groups = root.putArray("groups");
    for (Map.Entry<String, List<String>> g : registry.groupVersions().entrySet()) {
      if (g.getKey().isEmpty()) continue;
      groups.add(apiGroup(g.getKey(), g.getValue()));
    }
    return root;
  }

  public ObjectNode apiGroup(String group) {
    List<String> versions = registry.groupVersions().get(group);
    if (versions == null || group.isEmpty()) return null;
    ObjectNode g = apiGroup(group, versions);
    g.put("kind", "APIGroup").put("apiVersion", "v1");
    return g;
  }

  private ObjectNode apiGroup(String group, List<String> versions) {
    ObjectNode g = Json.MAPPER.createObjectNode().put("name", group);
    ArrayNode vs = g.putArray("versions");
    for (String v : versions) vs.addObject().put("groupVersion", group + "/" + v).put("version", v);
    g.putObject("preferredVersion").put("groupVersion", group + "/" + versions.getFirst()).put("version", versions.getFirst());
    return g;
  }

  /** {@code /api/v1} or {@code /apis/g/v}; null when the group version is not served. */
  public ObjectNode apiResourceList(String group, String version) {
    List<ResourceType> types = registry.inGroupVersion(group, version);
    if (types.isEmpty()) return null;
    ObjectNode root = Json.MAPPER.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
        .put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    ArrayNode resources = root.putArray("resources");
    for (ResourceType t : types) {
      ObjectNode r = resources.addObject().put("name", t.plural()).put("singularName", t.singular())
          .put("namespaced", t.namespaced()).put("kind", t.kind());
      strings(r.putArray("verbs"), VERBS);
      if (!t.shortNames().isEmpty()) strings(r.putArray("shortNames"), t.shortNames());
      if (!t.categories().isEmpty()) strings(r.putArray("categories"), t.categories());
      r.put("storageVersionHash", Integer.toHexString(t.storageKey().hashCode()));
      for (ResourceType.Subresource s : t.subresources()) {
        ObjectNode sr = resources.addObject().put("name", t.plural() + "/" + s.path()).put("singularName", "")
            .put("namespaced", t.namespaced());
        switch (s) {
          case STATUS -> { sr.put("kind", t.kind()); strings(sr.putArray("verbs"), SUBRESOURCE_VERBS); }
          case SCALE -> { sr.put("group", "autoscaling").put("version", "v1").put("kind", "Scale"); strings(sr.putArray("verbs"), SUBRESOURCE_VERBS); }
          case BINDING -> { sr.put("kind", "Binding"); strings(sr.putArray("verbs"), List.of("create")); }
          case FINALIZE -> { sr.put("kind", t.kind()); strings(sr.putArray("verbs"), List.of("update")); }
        }
      }
    }
    return root;
  }

  /** The aggregated document for {@code /api} ({@code legacy}) or {@code /apis}. */
  public ObjectNode aggregated(boolean legacy, String discoveryVersion) {
    ObjectNode root = Json.MAPPER.createObjectNode().put("kind", "APIGroupDiscoveryList")
        .put("apiVersion", "apidiscovery.k8s.io/" + discoveryVersion);
    root.putObject("metadata");
    ArrayNode items = root.putArray("items");
    for (Map.Entry<String, List<String>> g : registry.groupVersions().entrySet()) {
      if (g.getKey().isEmpty() != legacy) continue;
      ObjectNode item = items.addObject();
      ObjectNode meta = item.putObject("metadata");
      if (!legacy) meta.put("name", g.getKey());
      ArrayNode versions = item.putArray("versions");
      for (String v : g.getValue()) {
        ObjectNode ver = versions.addObject().put("version", v).put("freshness", "Current");
        ArrayNode resources = ver.putArray("resources");
        for (ResourceType t : registry.inGroupVersion(g.getKey(), v)) {
          ObjectNode r = resources.addObject().put("resource", t.plural());
          r.putObject("responseKind").put("group", t.group()).put("version", t.version()).put("kind", t.kind());
          r.put("scope", t.namespaced() ? "Namespaced" : "Cluster").put("singularResource", t.singular());
          strings(r.putArray("verbs"), VERBS);
          if (!t.shortNames().isEmpty()) strings(r.putArray("shortNames"), t.shortNames());
          if (!t.categories().isEmpty()) strings(r.putArray("categories"), t.categories());
          if (!t.subresources().isEmpty()) {
            ArrayNode subs = r.putArray("subresources");
            for (ResourceType.Subresource s : t.subresources()) {
              ObjectNode sr = subs.addObject().put("subresource", s.path());
              ObjectNode kind = sr.putObject("responseKind");
              switch (s) {
                case STATUS -> { kind.put("group", t.group()).put("version", t.version()).put("kind", t.kind()); strings(sr.putArray("verbs"), SUBRESOURCE_VERBS); }
                case SCALE -> { kind.put("group", "autoscaling").put("version", "v1").put("kind", "Scale"); strings(sr.putArray("verbs"), SUBRESOURCE_VERBS); }
                case BINDING -> { kind.put("group", "").put("version", "v1").put("kind", "Binding"); strings(sr.putArray("verbs"), List.of("create")); }
                case FINALIZE -> { kind.put("group", "").put("version", "v1").put("kind", t.kind()); strings(sr.putArray("verbs"), List.of("update")); }
              }
            }
          }
        }
      }
    }
    return root;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }
}
