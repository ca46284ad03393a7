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
      strings(r.putArray("verbs"), t.verbs());
      if (!t.shortNames().isEmpty()) strings(r.putArray("shortNames"), t.shortNames());
      if (!t.categories().isEmpty()) strings(r.putArray("categories"), t.categories());
      if (t.stored()) r.put("storageVersionHash", Integer.toHexString(t.storageKey().hashCode()));
      for (SubresourceInfo s : subresourcesOf(t)) {
        ObjectNode sr = resources.addObject().put("name", t.plural() + "/" + s.path()).put("singularName", "")
            .put("namespaced", t.namespaced());
        if (!s.group().equals(t.group()) || !s.version().equals(t.version())) sr.put("group", s.group()).put("version", s.version());
        sr.put("kind", s.kind());
        strings(sr.putArray("verbs"), s.verbs());
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
          strings(r.putArray("verbs"), t.verbs());
          if (!t.shortNames().isEmpty()) strings(r.putArray("shortNames"), t.shortNames());
          if (!t.categories().isEmpty()) strings(r.putArray("categories"), t.categories());
          if (!subresourcesOf(t).isEmpty()) {
            ArrayNode subs = r.putArray("subresources");
            for (SubresourceInfo s : subresourcesOf(t)) {
              ObjectNode sr = subs.addObject().put("subresource", s.path());
              sr.putObject("responseKind").put("group", s.group()).put("version", s.version()).put("kind", s.kind());
              strings(sr.putArray("verbs"), s.verbs());
            }
          }
        }
      }
    }
    return root;
  }

  /** A subresource as discovery lists it: what it answers with and the verbs it serves. */
  private record SubresourceInfo(String path, String group, String version, String kind, List<String> verbs) {}

  /**
   * The subresources the API server forwards to kubelets, listed as Kubernetes lists them
   * (pods/proxy and services/proxy are not served).
   */
  private static final Map<String, List<SubresourceInfo>> KUBELET_SUBRESOURCES = Map.of(
      "pods", List.of(
          new SubresourceInfo("attach", "", "v1", "PodAttachOptions", List.of("create", "get")),
          new SubresourceInfo("exec", "", "v1", "PodExecOptions", List.of("create", "get")),
          new SubresourceInfo("log", "", "v1", "Pod", List.of("get")),
          new SubresourceInfo("portforward", "", "v1", "PodPortForwardOptions", List.of("create", "get"))),
      "nodes", List.of(
          new SubresourceInfo("proxy", "", "v1", "NodeProxyOptions", List.of("create", "delete", "get", "patch", "update"))));

  /** The subresources of {@code t} in name order, as Kubernetes sorts them. */
  private static List<SubresourceInfo> subresourcesOf(ResourceType t) {
    List<SubresourceInfo> all = new java.util.ArrayList<>();
    for (ResourceType.Subresource s : t.subresources()) {
      all.add(switch (s) {
        case STATUS -> new SubresourceInfo(s.path(), t.group(), t.version(), t.kind(), SUBRESOURCE_VERBS);
        case SCALE -> new SubresourceInfo(s.path(), "autoscaling", "v1", "Scale", SUBRESOURCE_VERBS);
        case BINDING -> new SubresourceInfo(s.path(), "", "v1", "Binding", List.of("create"));
        case FINALIZE -> new SubresourceInfo(s.path(), "", "v1", t.kind(), List.of("update"));
        case EVICTION -> new SubresourceInfo(s.path(), "policy", "v1", "Eviction", List.of("create"));
        case EPHEMERAL_CONTAINERS -> new SubresourceInfo(s.path(), "", "v1", t.kind(), List.of("get", "patch", "update"));
      });
    }
    if (t.group().isEmpty() && t.version().equals("v1")) all.addAll(KUBELET_SUBRESOURCES.getOrDefault(t.plural(), List.of()));
    all.sort(java.util.Comparator.comparing(SubresourceInfo::path));
    return all;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }
}
