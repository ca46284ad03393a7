package io.gubernator.controllers.endpointslice;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.gubernator.client.Controller;
import io.gubernator.client.EnqueueHandler;
import io.gubernator.controllers.ControllerRefs;
import io.gubernator.controllers.ServicePods;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Kubernetes' EndpointSlice controller: the endpoints of every Service with a selector as
 * discovery.k8s.io/v1 EndpointSlices, one slice per distinct port mapping (pods may resolve a
 * named target port differently) holding at most 100 endpoints, labelled with the service name
 * and owned by the Service so they go with it.
 */
public final class EndpointSliceController implements AutoCloseable {

  static final String SERVICE_NAME = "kubernetes.io/service-name";
  static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
  static final String CONTROLLER = "endpointslice-controller.k8s.io";
  static final int MAX_ENDPOINTS = 100;

  private final KubernetesClient client;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<EndpointSlice> slices;
  private final Controller controller;

  public EndpointSliceController(KubernetesClient client, SharedIndexInformer<Service> services, SharedIndexInformer<Pod> pods,
      SharedIndexInformer<EndpointSlice> slices, int workers) {
    this.client = client;
    this.services = services;
    this.pods = pods;
    this.slices = slices;
    this.controller = new Controller("endpointslice", workers, this::sync);
    services.addEventHandler(EnqueueHandler.of(s -> controller.enqueue(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName())));
    pods.addEventHandler(EnqueueHandler.of(this::enqueueServicesOf));
    slices.addEventHandler(EnqueueHandler.of(s -> {
      String svc = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(SERVICE_NAME);
      if (svc != null) controller.enqueue(s.getMetadata().getNamespace() + "/" + svc);
    }));
  }


  private void enqueueServicesOf(Pod pod) {
    ServicePods.servicesSelecting(services.getIndexer(), pod).forEach(controller::enqueue);
  }

  public void start() {
    controller.start(List.of(services, pods, slices));
  }

  void sync(String key) {
    String ns = key.substring(0, key.indexOf('/'));
    String name = key.substring(key.indexOf('/') + 1);
    Service service = services.getIndexer().getByKey(key);
    List<EndpointSlice> existing = new ArrayList<>();
    for (EndpointSlice s : slices.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
      Map<String, String> l = s.getMetadata().getLabels();
      if (l != null && name.equals(l.get(SERVICE_NAME)) && CONTROLLER.equals(l.get(MANAGED_BY))) existing.add(s);
    }
    // Slices of a deleted Service are the garbage collector's (they are owned); a Service without selector has none of ours.
    if (service == null || service.getSpec() == null || service.getSpec().getSelector() == null
        || service.getSpec().getSelector().isEmpty()) {
      return;
    }
    List<EndpointSlice> desired = desired(service, pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns));
    Set<String> kept = new HashSet<>();
    try {
      for (EndpointSlice want : desired) {
        EndpointSlice match = existing.stream().filter(s -> !kept.contains(s.getMetadata().getName())
            && Objects.equals(s.getPorts(), want.getPorts())).findFirst().orElse(null);
        if (match == null) {
          client.discovery().v1().endpointSlices().inNamespace(ns).resource(want).create();
          continue;
        }
        kept.add(match.getMetadata().getName());
        if (!Objects.equals(match.getEndpoints(), want.getEndpoints())) {
          want.getMetadata().setName(match.getMetadata().getName());
          want.getMetadata().setGenerateName(null);
          want.getMetadata().setResourceVersion(match.getMetadata().getResourceVersion());
          client.discovery().v1().endpointSlices().inNamespace(ns).resource(want).update();
        }
      }
      for (EndpointSlice s : existing) {
        if (!kept.contains(s.getMetadata().getName())) {
          client.discovery().v1().endpointSlices().inNamespace(ns).withName(s.getMetadata().getName()).delete();
        }
      }
    } catch (KubernetesClientException e) {
      // A terminating namespace refuses creates; a 409 is retried from a fresher cache.
      if (e.getCode() != 403) throw e;
    }
  }

  static List<EndpointSlice> desired(Service service, List<Pod> candidates) {
    Map<List<EndpointPort>, List<Endpoint>> byPorts = new LinkedHashMap<>();
    List<Pod> selected = new ArrayList<>();
    for (Pod p : candidates) {
      if (p.getStatus() == null || p.getStatus().getPodIP() == null || p.getStatus().getPodIP().isEmpty()) continue;
      String phase = p.getStatus().getPhase();
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) continue;
      if (ServicePods.selects(service, p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels())) selected.add(p);
    }
    selected.sort(Comparator.comparing(p -> p.getStatus().getPodIP()));
    for (Pod p : selected) {
      List<EndpointPort> ports = new ArrayList<>();
      for (ServicePort sp : service.getSpec().getPorts()) {
        Integer port = ServicePods.resolve(sp.getTargetPort() == null ? new IntOrString(sp.getPort()) : sp.getTargetPort(),
            sp.getProtocol(), p);
        if (port == null) continue;
        ports.add(new EndpointPortBuilder().withName(sp.getName() == null ? "" : sp.getName()).withPort(port)
            .withProtocol(sp.getProtocol()).withAppProtocol(sp.getAppProtocol()).build());
      }
      boolean terminating = p.getMetadata().getDeletionTimestamp() != null;
      boolean ready = ServicePods.ready(p);
      Endpoint endpoint = new EndpointBuilder().withAddresses(p.getStatus().getPodIP())
          .withNewConditions().withReady(ready && !terminating).withServing(ready).withTerminating(terminating).endConditions()
          .withNodeName(p.getSpec() == null ? null : p.getSpec().getNodeName())
          .withNewTargetRef().withKind("Pod").withNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName())
          .withUid(p.getMetadata().getUid()).endTargetRef().build();
      byPorts.computeIfAbsent(ports, k -> new ArrayList<>()).add(endpoint);
    }
    if (byPorts.isEmpty()) byPorts.put(List.of(), List.of()); // Kubernetes keeps one empty slice per service
    List<EndpointSlice> out = new ArrayList<>();
    for (Map.Entry<List<EndpointPort>, List<Endpoint>> e : byPorts.entrySet()) {
      List<Endpoint> all = e.getValue();
      for (int i = 0; i < Math.max(1, all.size()); i += MAX_ENDPOINTS) {
        List<Endpoint> chunk = all.isEmpty() ? List.of() : all.subList(i, Math.min(all.size(), i + MAX_ENDPOINTS));
        Map<String, String> labels = new LinkedHashMap<>(service.getMetadata().getLabels() == null ? Map.of() : service.getMetadata().getLabels());
        labels.put(SERVICE_NAME, service.getMetadata().getName());
        labels.put(MANAGED_BY, CONTROLLER);
        out.add(new EndpointSliceBuilder().withNewMetadata().withGenerateName(service.getMetadata().getName() + "-")
            .withNamespace(service.getMetadata().getNamespace()).withLabels(labels)
            .withOwnerReferences(ControllerRefs.newControllerRef(service)).endMetadata()
            .withAddressType("IPv4").withEndpoints(new ArrayList<>(chunk)).withPorts(new ArrayList<>(e.getKey())).build());
      }
    }
    return out;
  }

  @Override
  public void close() {
    controller.close();
  }
}
