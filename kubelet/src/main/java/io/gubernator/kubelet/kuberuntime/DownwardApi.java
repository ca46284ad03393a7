package io.gubernator.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The pod and container facts that environment variables and downwardAPI volumes may expose. */
public final class DownwardApi {

  private DownwardApi() {}

  /** The value of a {@code fieldRef}; labels and annotations render as Kubernetes' key="value" lines. */
  public static String fieldValue(Pod pod, String path, String hostIp) {
    var meta = pod.getMetadata();
    var status = pod.getStatus();
    if (path.startsWith("metadata.labels['") && path.endsWith("']")) {
      return meta.getLabels() == null ? "" : meta.getLabels().getOrDefault(path.substring(17, path.length() - 2), "");
    }
    if (path.startsWith("metadata.annotations['") && path.endsWith("']")) {
      return meta.getAnnotations() == null ? "" : meta.getAnnotations().getOrDefault(path.substring(22, path.length() - 2), "");
    }
    return switch (path) {
      case "metadata.name" -> meta.getName();
      case "metadata.namespace" -> meta.getNamespace();
      case "metadata.uid" -> meta.getUid();
      case "metadata.labels" -> formatMap(meta.getLabels());
      case "metadata.annotations" -> formatMap(meta.getAnnotations());
      case "spec.nodeName" -> pod.getSpec().getNodeName();
      case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
      case "status.hostIP" -> hostIp;
      case "status.hostIPs" -> hostIp;
      case "status.podIP" -> status == null || status.getPodIP() == null ? "" : status.getPodIP();
      case "status.podIPs" -> status == null || status.getPodIP() == null ? "" : status.getPodIP();
      default -> "";
    };
  }

  /**
   * A {@code resourceFieldRef}. Without a limit Kubernetes reports the node's allocatable; here the
   * cpu limit falls back to the machine's processors and the other limits to 0 (not yet the node's).
   */
  public static String resourceValue(Container container, String resource, Quantity divisor) {
    var r = container.getResources();
    Map<String, Quantity> limits = r == null || r.getLimits() == null ? Map.of() : r.getLimits();
    Map<String, Quantity> requests = r == null || r.getRequests() == null ? Map.of() : r.getRequests();
    return switch (resource) {
      case "limits.cpu" -> EnvVars.scaled(limits.getOrDefault("cpu", new Quantity(String.valueOf(Runtime.getRuntime().availableProcessors()))), divisor);
      case "limits.memory" -> EnvVars.scaled(limits.getOrDefault("memory", new Quantity("0")), divisor);
      case "limits.ephemeral-storage" -> EnvVars.scaled(limits.getOrDefault("ephemeral-storage", new Quantity("0")), divisor);
      case "requests.cpu" -> EnvVars.scaled(requests.getOrDefault("cpu", new Quantity("0")), divisor);
      case "requests.memory" -> EnvVars.scaled(requests.getOrDefault("memory", new Quantity("0")), divisor);
      case "requests.ephemeral-storage" -> EnvVars.scaled(requests.getOrDefault("ephemeral-storage", new Quantity("0")), divisor);
      default -> "";
    };
  }

  static String formatMap(Map<String, String> map) {
    if (map == null) return "";
    return new TreeMap<>(map).entrySet().stream()
        .map(e -> e.getKey() + "=\"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"")
        .collect(Collectors.joining("\n"));
  }
}
