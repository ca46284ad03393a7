package io.gubernator.controllers;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's resources in their preferred versions, read through discovery
 * ({@code ServerPreferredResources}), so controllers that act on "everything" (namespace
 * deletion, garbage collection) cover whatever the API server serves, custom resources included.
 */
public final class Discovery {

  /** One resource (never a subresource) of one group version. */
  public record Resource(String group, String version, String plural, String kind, boolean namespaced, List<String> verbs) {

    public String apiVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }

    public boolean supports(String... wanted) {
      return verbs != null && List.of(wanted).stream().allMatch(verbs::contains);
    }

    public ResourceDefinitionContext context() {
      return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withPlural(plural)
          .withKind(kind).withNamespaced(namespaced).build();
    }
  }

  private Discovery() {}

  public static List<Resource> preferredResources(KubernetesClient client) {
    List<Resource> out = new ArrayList<>();
    add(out, "", "v1", client.getApiResources("v1"));
    for (APIGroup g : client.getApiGroups().getGroups()) {
      String gv = g.getPreferredVersion() != null ? g.getPreferredVersion().getGroupVersion()
          : g.getVersions().get(0).getGroupVersion();
      String version = gv.substring(gv.indexOf('/') + 1);
      add(out, g.getName(), version, client.getApiResources(gv));
    }
    return out;
  }

  private static void add(List<Resource> out, String group, String version, APIResourceList list) {
    if (list == null || list.getResources() == null) return;
    for (APIResource r : list.getResources()) {
      if (r.getName().contains("/")) continue;
      out.add(new Resource(group, version, r.getName(), r.getKind(), Boolean.TRUE.equals(r.getNamespaced()), r.getVerbs()));
    }
  }
}
