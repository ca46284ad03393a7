package io.gubernator.scheduler.framework.plugins.defaultbinder;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.Status;
import java.util.Map;

/** DefaultBinder: POSTs a Binding to the pod's binding subresource, as kube-scheduler does. */
public final class DefaultBinder implements Plugin.Bind {

  public static final String NAME = "DefaultBinder";

  private final KubernetesClient client;

  public DefaultBinder(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status bind(CycleState state, Pod pod, String nodeName) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    Map<String, Object> binding = Map.of(
        "apiVersion", "v1", "kind", "Binding",
        "metadata", Map.of("name", name, "namespace", ns, "uid", pod.getMetadata().getUid()),
        "target", Map.of("apiVersion", "v1", "kind", "Node", "name", nodeName));
    try {
      // fabric8 has no typed call for pods/{name}/binding (only the /bindings collection).
      String body = client.raw("/api/v1/namespaces/" + ns + "/pods/" + name + "/binding", "POST", binding);
      // raw() answers a 404 (the pod is gone) with null rather than an exception.
      return body == null ? Status.error("pod " + ns + "/" + name + " not found") : Status.success();
    } catch (KubernetesClientException e) {
      return Status.error("binding rejected: code=" + e.getCode() + " " + e.getMessage());
    }
  }
}
