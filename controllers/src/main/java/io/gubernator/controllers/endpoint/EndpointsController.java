package io.gubernator.controllers.endpoint;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import io.gubernator.client.EnqueueHandler;
import io.gubernator.controllers.ServicePods;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Kubernetes' endpoints controller: for every Service with a selector, an Endpoints object of the
 * same name listing the selected pods' IPs, ready ones under {@code addresses} and the others under
 * {@code notReadyAddresses}, with each service port's {@code targetPort} resolved against the
 * pod's named container ports. Pods that resolve the ports differently land in different subsets.
 */
public final class EndpointsController implements AutoCloseable {

  private final KubernetesClient client;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<Endpoints> endpoints;
  private final Controller controller;

  public EndpointsController(KubernetesClient client, SharedIndexInformer<Service> services, SharedIndexInformer<Pod> pods,
      SharedIndexInformer<Endpoints> endpoints, int workers) {
    this.client = client;
    this.services = services;
    this.pods = pods;
    this.endpoints = endpoints;
    this.controller = new Controller("endpoints", workers, this::sync);
    services.addEventHandler(EnqueueHandler.of(s -> controller.enqueue(key(s.getMetadata().getNamespace(), s.getMetadata().getName()))));
    pods.addEventHandler(EnqueueHandler.of(this::enqueueServicesOf));
    endpoints.addEventHandler(EnqueueHandler.of(e -> controller.enqueue(key(e.getMetadata().getNamespace(), e.getMetadata().getName()))));
  }


  private static String key(String ns, String name) {
    return ns + "/" + name;
  }

  /** A pod change matters to every service in its namespace whose selector picks it. */
  private void enqueueServicesOf(Pod pod) {
    ServicePods.servicesSelecting(services.getIndexer(), pod).forEach(controller::enqueue);
  }

  public void start() {
    controller.start(List.of(services, pods, endpoints));
  }

  void sync(String key) {
    int slash = key.indexOf('/');
    String ns = key.substring(0, slash);
    String name = key.substring(slash + 1);
    Service service = services.getIndexer().getByKey(key);
    Endpoints current = endpoints.getIndexer().getByKey(key);
    if (service == null) {
      // The Service is gone; its Endpoints go too (unless someone else manages them).
      if (current != null) {
        client.endpoints().inNamespace(ns).withName(name).delete();
      }
      return;
    }
    if (service.getSpec() == null || service.getSpec().getSelector() == null || service.getSpec().getSelector().isEmpty()) {
      return; // a Service without selector has user-managed Endpoints
    }
    List<EndpointSubset> subsets = subsets(service, pods.getIndexer().byIndex(io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX, ns));
    Map<String, String> labels = new LinkedHashMap<>(service.getMetadata().getLabels() == null ? Map.of() : service.getMetadata().getLabels());
    Endpoints desired = new EndpointsBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
        .withSubsets(subsets).build();
    try {
      if (current == null) {
        client.endpoints().inNamespace(ns).resource(desired).create();
      } else if (!Objects.equals(current.getSubsets(), desired.getSubsets())
          || !Objects.equals(current.getMetadata().getLabels(), desired.getMetadata().getLabels())) {
        desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
        desired.getMetadata().setAnnotations(current.getMetadata().getAnnotations());
        client.endpoints().inNamespace(ns).resource(desired).update();
      }
    } catch (KubernetesClientException e) {
      // 409 means our cache was behind: the retry reads the newer object. A terminating namespace refuses the create.
      if (e.getCode() != 403) throw e;
    }
  }

  /** The subsets of a service over the pods of its namespace, ordered deterministically. */
  static List<EndpointSubset> subsets(Service service, List<Pod> candidates) {
    boolean publishNotReady = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
    Map<List<EndpointPort>, EndpointSubset> byPorts = new LinkedHashMap<>();
    List<Pod> selected = new ArrayList<>();
    for (Pod p : candidates) {
      if (p.getStatus() == null || p.getStatus().getPodIP() == null || p.getStatus().getPodIP().isEmpty()) continue;
      if (p.getMetadata().getDeletionTimestamp() != null && !publishNotReady) continue;
      String phase = p.getStatus().getPhase();
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) continue;
      if (ServicePods.selects(service, p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels())) selected.add(p);
    }
    selected.sort(Comparator.comparing(p -> p.getStatus().getPodIP()));
    for (Pod p : selected) {
      List<EndpointPort> ports = new ArrayList<>();
      for (ServicePort sp : service.getSpec().getPorts()) {
        Integer port = ServicePods.resolve(sp.getTargetPort() == null ? new IntOrString(sp.getPort()) : sp.getTargetPort(), sp.getProtocol(), p);
        if (port == null) continue; // the pod has no such named port: it is not an endpoint for this port
        ports.add(new EndpointPortBuilder().withName(sp.getName()).withPort(port).withProtocol(sp.getProtocol())
            .withAppProtocol(sp.getAppProtocol()).build());
      }
      if (ports.isEmpty() && !service.getSpec().getPorts().isEmpty()) continue;
      EndpointAddress address = new EndpointAddressBuilder().withIp(p.getStatus().getPodIP())
          .withNodeName(p.getSpec() == null ? null : p.getSpec().getNodeName())
          .withNewTargetRef().withKind("Pod").withNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName())
          .withUid(p.getMetadata().getUid()).endTargetRef().build();
      EndpointSubset subset = byPorts.computeIfAbsent(ports, k -> new EndpointSubset(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(k)));
      if (ServicePods.ready(p) || publishNotReady) subset.getAddresses().add(address);
      else subset.getNotReadyAddresses().add(address);
    }
    return new ArrayList<>(byPorts.values());
  }

  @Override
  public void close() {
    controller.close();
  }
}
