package io.gubernator.controllers;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import java.util.Map;
import java.util.Objects;

/** How a Service sees pods: which it selects, whether they are ready, what its target ports are on them. */
public final class ServicePods {

  private ServicePods() {}

  /** A Service selects pods by equality on every selector label; one without a selector selects none. */
  public static boolean selects(Service s, Map<String, String> labels) {
    Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) return false;
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  /** The {@code namespace/name} keys of the services in {@code services} whose selector picks {@code pod}. */
  public static java.util.List<String> servicesSelecting(io.fabric8.kubernetes.client.informers.cache.Indexer<Service> services, Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    return services.byIndex(io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX, pod.getMetadata().getNamespace())
        .stream().filter(s -> selects(s, labels))
        .map(s -> s.getMetadata().getNamespace() + "/" + s.getMetadata().getName()).toList();
  }

  public static boolean ready(Pod p) {
    if (p.getMetadata().getDeletionTimestamp() != null) return false;
    for (PodCondition c : p.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) return "True".equals(c.getStatus());
    }
    return false;
  }

  /** A targetPort number, or the number of the pod's container port with that name and protocol (null if none). */
  public static Integer resolve(IntOrString target, String protocol, Pod pod) {
    if (target.getIntVal() != null) return target.getIntVal();
    String name = target.getStrVal();
    if (name == null || pod.getSpec() == null) return null;
    try {
      return Integer.parseInt(name);
    } catch (NumberFormatException notANumber) {
      // a port name
    }
    for (Container c : pod.getSpec().getContainers()) {
      for (ContainerPort cp : c.getPorts()) {
        if (name.equals(cp.getName()) && Objects.equals(protocol == null ? "TCP" : protocol, cp.getProtocol() == null ? "TCP" : cp.getProtocol())) {
          return cp.getContainerPort();
        }
      }
    }
    return null;
  }
}
