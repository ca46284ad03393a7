package io.gubernator.controllers;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.EventRecorder;
import io.gubernator.controllers.deployment.DeploymentController;
import io.gubernator.controllers.disruption.DisruptionController;
import io.gubernator.controllers.endpoint.EndpointsController;
import io.gubernator.controllers.endpointslice.EndpointSliceController;
import io.gubernator.controllers.garbagecollector.GarbageCollector;
import io.gubernator.controllers.namespace.NamespaceController;
import io.gubernator.controllers.replicaset.ReplicaSetController;
import io.gubernator.controllers.serviceaccount.ServiceAccountsController;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.gubernator.controllers.nodelifecycle.NodeLifecycleController;
import io.gubernator.controllers.podgc.PodGC;
import io.gubernator.controllers.nodeipam.ClusterCidr;
import io.gubernator.controllers.nodeipam.NodeIpamController;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kube-controller-manager}: the controllers of the control plane over one set of shared
 * informers, reaching the cluster only through the given client (the API is the only contract,
 * in the same JVM as the API server or not). {@link #close()} stops controllers, then informers.
 */
public final class ControllerManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerManager.class);

  /** Workers per controller, as kube-controller-manager's --concurrent-*-syncs (scaled to a small machine). */
  /**
   * @param controllers kube-controller-manager's --controllers: names to run, {@code *} for all,
   *     {@code -name} to leave one out (names: {@link #NAMES})
   */
  public record Options(int namespaceWorkers, int replicaSetWorkers, int deploymentWorkers, int gcWorkers,
      int endpointsWorkers, Duration nodeMonitorGracePeriod, int terminatedPodGcThreshold, List<String> controllers) {
    public static Options defaults() {
      // Kubernetes' defaults: --node-monitor-grace-period 40 s, --terminated-pod-gc-threshold 12500.
      return new Options(2, 5, 5, 10, 5, Duration.ofSeconds(40), 12500, List.of("*"));
    }

    public Options withNodeMonitorGracePeriod(Duration grace) {
      return new Options(namespaceWorkers, replicaSetWorkers, deploymentWorkers, gcWorkers, endpointsWorkers, grace,
          terminatedPodGcThreshold, controllers);
    }

    public Options withTerminatedPodGcThreshold(int threshold) {
      return new Options(namespaceWorkers, replicaSetWorkers, deploymentWorkers, gcWorkers, endpointsWorkers, nodeMonitorGracePeriod,
          threshold, controllers);
    }

    public Options withControllers(List<String> names) {
      for (String n : names) {
        String bare = n.startsWith("-") ? n.substring(1) : n;
        if (!bare.equals("*") && !NAMES.contains(bare)) {
          throw new IllegalArgumentException("unknown controller \"" + bare + "\"; known: " + NAMES);
        }
      }
      return new Options(namespaceWorkers, replicaSetWorkers, deploymentWorkers, gcWorkers, endpointsWorkers, nodeMonitorGracePeriod,
          terminatedPodGcThreshold, List.copyOf(names));
    }

    /** As kube-controller-manager reads --controllers: an explicit -name wins, then the name, then *. */
    public boolean enabled(String name) {
      if (controllers.contains("-" + name)) return false;
      return controllers.contains(name) || controllers.contains("*");
    }
  }

  /** The controllers this manager runs, by kube-controller-manager's names. */
  public static final List<String> NAMES = List.of("namespace", "replicaset", "replicationcontroller", "deployment",
      "serviceaccount", "endpoint", "endpointslice", "nodelifecycle", "podgc", "nodeipam", "garbagecollector", "disruption");

  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final List<AutoCloseable> controllers = new ArrayList<>();
  private final EventRecorder events;

  private ControllerManager(EventRecorder events) {
    this.events = events;
  }

  public static ControllerManager start(KubernetesClient client) {
    return start(client, Options.defaults());
  }

  public static ControllerManager start(KubernetesClient client, Options options) {
    ControllerManager m = new ControllerManager(new EventRecorder(client, "controller-manager", "gubernator"));
    try {
      m.startAll(client, options);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    return m;
  }

  private void startAll(KubernetesClient client, Options o) {
    // Handlers are registered before the informers start, so no controller misses the initial list.
    SharedIndexInformer<Namespace> namespaces = informer(client.namespaces().runnableInformer(0));
    SharedIndexInformer<Pod> pods = informer(client.pods().inAnyNamespace().runnableInformer(0));
    SharedIndexInformer<ReplicaSet> replicaSets = informer(client.apps().replicaSets().inAnyNamespace().runnableInformer(0));
    SharedIndexInformer<io.fabric8.kubernetes.api.model.ReplicationController> replicationControllers =
        informer(client.replicationControllers().inAnyNamespace().runnableInformer(0));
    SharedIndexInformer<Deployment> deployments = informer(client.apps().deployments().inAnyNamespace().runnableInformer(0));
    SharedIndexInformer<ServiceAccount> serviceAccounts = informer(client.serviceAccounts().inAnyNamespace().runnableInformer(0));
    SharedIndexInformer<Service> services = informer(client.services().inAnyNamespace().runnableInformer(0));
    SharedIndexInformer<Endpoints> endpointsInformer = informer(client.endpoints().inAnyNamespace().runnableInformer(0));
    SharedIndexInformer<EndpointSlice> slices = informer(client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0));
    SharedIndexInformer<Node> nodes = informer(client.nodes().runnableInformer(0));
    SharedIndexInformer<io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget> budgets = o.enabled("disruption")
        ? informer(client.policy().v1().podDisruptionBudget().inAnyNamespace().runnableInformer(0)) : null;
    SharedIndexInformer<Lease> leases = informer(client.leases().inNamespace(NodeLifecycleController.LEASE_NAMESPACE).runnableInformer(0));

    List<Runnable> starts = new ArrayList<>();
    if (o.enabled("namespace")) add(new NamespaceController(client, namespaces, o.namespaceWorkers()), starts, NamespaceController::start);
    if (o.enabled("serviceaccount")) {
      // One worker, as kube-controller-manager's --concurrent-serviceaccount-token-syncs is small too.
      add(new ServiceAccountsController(client, namespaces, serviceAccounts, 1), starts, ServiceAccountsController::start);
    }
    if (o.enabled("endpoint")) {
      add(new EndpointsController(client, services, pods, endpointsInformer, o.endpointsWorkers()), starts, EndpointsController::start);
    }
    if (o.enabled("endpointslice")) {
      add(new EndpointSliceController(client, services, pods, slices, o.endpointsWorkers()), starts, EndpointSliceController::start);
    }
    if (o.enabled("replicaset")) {
      add(ReplicaSetController.forReplicaSets(client, replicaSets, pods, events.forComponent("replicaset-controller"), o.replicaSetWorkers()),
          starts, ReplicaSetController::start);
    }
    if (o.enabled("replicationcontroller")) {
      add(ReplicaSetController.forReplicationControllers(client, replicationControllers, pods, events.forComponent("replication-controller"),
          o.replicaSetWorkers()), starts, ReplicaSetController::start);
    }
    if (o.enabled("deployment")) {
      add(new DeploymentController(client, deployments, replicaSets, pods, events.forComponent("deployment-controller"), o.deploymentWorkers()),
          starts, DeploymentController::start);
    }
    if (o.enabled("nodelifecycle")) {
      add(new NodeLifecycleController(client, nodes, leases, pods, events, o.nodeMonitorGracePeriod(), 1),
          starts, NodeLifecycleController::start);
    }
    if (o.enabled("disruption")) {
      add(new DisruptionController(client, budgets, pods, replicaSets, deployments, replicationControllers,
          events.forComponent("controllermanager"), 1), starts, DisruptionController::start);
    }
    if (o.enabled("podgc")) add(new PodGC(client, pods, nodes, 1, o.terminatedPodGcThreshold()), starts, PodGC::start);
    if (o.enabled("nodeipam")) {
      add(new NodeIpamController(client, nodes, ClusterCidr.parse(ClusterCidr.DEFAULT, 24), events.forComponent("node-controller")),
          starts, NodeIpamController::start);
    }
    if (o.enabled("garbagecollector")) {
      // The collector watches every deletable resource through informers of its own.
      add(new GarbageCollector(client, o.gcWorkers()), starts, GarbageCollector::start);
    }

    for (SharedIndexInformer<?> i : informers) i.start();
    starts.forEach(Runnable::run);
    LOG.info("controller manager started: controllers={} informers={}", controllers.size(), informers.size());
  }

  private <T extends AutoCloseable> void add(T controller, List<Runnable> starts, java.util.function.Consumer<T> start) {
    controllers.add(controller);
    starts.add(() -> start.accept(controller));
  }

  private <T> SharedIndexInformer<T> informer(SharedIndexInformer<T> i) {
    informers.add(i);
    return i;
  }

  /** Whether every shared informer has synced (the controllers start working then). */
  public boolean hasSynced() {
    return informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public void close() {
    for (AutoCloseable c : controllers.reversed()) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("controller did not stop cleanly: error={}", e.toString());
      }
    }
    for (SharedIndexInformer<?> i : informers) {
      i.stop();
    }
    for (SharedIndexInformer<?> i : informers) {
      try {
        i.stopped().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("informer did not report stopped: error={}", e.toString());
      }
    }
    events.close();
    LOG.info("controller manager stopped");
  }
}
