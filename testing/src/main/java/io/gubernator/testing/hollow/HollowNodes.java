package io.gubernator.testing.hollow;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import io.gubernator.client.Keys;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KWOK-style simulated ("hollow") nodes for tests and benchmarks: registers Node objects, keeps
 * their Leases and Ready heartbeats fresh, and plays the kubelet for pods bound to them (Running
 * and Ready with a fake address, Succeeded on request, deletion finished) without running any
 * container. Nothing here is a real node: the labels say {@code type=hollow}.
 *
 * <p>Everything goes through the Kubernetes API with three shared informers (hollow nodes, node
 * Leases, bound pods) and three work queues served by a few threads each, so one process carries
 * thousands of nodes: no thread, timer or watch per node.
 */
public final class HollowNodes implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HollowNodes.class);

  private final KubernetesClient client;
  private final HollowNodeConfig config;
  private final Map<String, Integer> indexByName = new HashMap<>();
  /** Nodes whose heartbeat the test stopped: their Lease and status are left to go stale. */
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
  private final SharedIndexInformer<Node> nodes;
  private final SharedIndexInformer<Lease> leases;
  private final SharedIndexInformer<Pod> pods;
  private final Controller nodeController;
  private final Controller leaseController;
  private final Controller podController;

  private HollowNodes(KubernetesClient client, HollowNodeConfig config) {
    this.client = client;
    this.config = config;
    for (int i = 0; i < config.count(); i++) indexByName.put(config.nodeName(i), i);
    nodes = client.nodes().withLabel("type", "hollow").runnableInformer(0);
    leases = client.leases().inNamespace(HollowNodeConfig.LEASE_NAMESPACE).runnableInformer(0);
    // Only bound pods: the informer never holds the (possibly many) pods waiting for the scheduler.
    pods = client.pods().inAnyNamespace().withoutField("spec.nodeName", "").runnableInformer(0);
    pods.addIndexers(Map.of(HollowPods.BY_NODE, p -> p.getSpec() == null || p.getSpec().getNodeName() == null
        ? List.of() : List.of(p.getSpec().getNodeName())));
    nodeController = new Controller("hollow-node-status", config.workers(), this::syncNode);
    leaseController = new Controller("hollow-node-lease", config.workers(), this::syncLease);
    HollowPods podReconciler = new HollowPods(client, pods, name -> indexByName.getOrDefault(name, -1), paused::contains, config);
    podController = new Controller("hollow-node-pods", config.workers(), podReconciler);
    podReconciler.bind(podController);
    nodes.addEventHandler(handler(n -> enqueueIfOurs(nodeController, n.getMetadata().getName())));
    leases.addEventHandler(handler(l -> {
      // Renewals are timed by the queue; an event only matters when the Lease vanished.
    }, l -> enqueueIfOurs(leaseController, l.getMetadata().getName())));
    pods.addEventHandler(handler(p -> {
      String nodeName = p.getSpec() == null ? null : p.getSpec().getNodeName();
      if (nodeName != null && indexByName.containsKey(nodeName)) podController.enqueue(Keys.of(p));
    }));
  }

  /** Registers {@code config.count()} hollow nodes and starts serving them; returns at once. */
  public static HollowNodes start(KubernetesClient client, HollowNodeConfig config) {
    HollowNodes h = new HollowNodes(client, config);
    h.nodes.start();
    h.leases.start();
    h.pods.start();
    List<SharedIndexInformer<?>> all = List.of(h.nodes, h.leases, h.pods);
    h.nodeController.start(all);
    h.leaseController.start(all);
    h.podController.start(all);
    for (String name : h.indexByName.keySet()) {
      h.nodeController.enqueue(name);
      h.leaseController.enqueue(name);
    }
    LOG.info("hollow nodes starting: count={} prefix={} cpu={} memory={} pods={}", config.count(), config.namePrefix(),
        config.cpu(), config.memory(), config.pods());
    return h;
  }

  public HollowNodeConfig config() {
    return config;
  }

  /** Node names served by this instance. */
  public Set<String> nodeNames() {
    return Set.copyOf(indexByName.keySet());
  }

  /** How many of our nodes the node cache shows registered with a fresh Ready=True. */
  public int readyCount() {
    Instant now = Instant.now();
    int ready = 0;
    for (Node n : nodes.getStore().list()) {
      Integer i = indexByName.get(n.getMetadata().getName());
      if (i != null && NodeObjects.statusFresh(n, config, i, now, config.heartbeatMax().plusSeconds(10))) ready++;
    }
    return ready;
  }

  /** Waits until every node is registered Ready (as seen by this process' cache); false on timeout. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (readyCount() < config.count()) {
      if (System.nanoTime() - deadline > 0) return false;
      Thread.sleep(50);
    }
    return true;
  }

  /**
   * Stops renewing the node's Lease and Ready heartbeat, as if its kubelet died (the node stays
   * Ready until the node lifecycle controller notices); the status of pods on it is no longer
   * written either, but their deletions still finish.
   */
  public void stopHeartbeat(String nodeName) {
    requireOurs(nodeName);
    paused.add(nodeName);
  }

  public void resumeHeartbeat(String nodeName) {
    requireOurs(nodeName);
    if (paused.remove(nodeName)) {
      nodeController.enqueue(nodeName);
      leaseController.enqueue(nodeName);
      // Back, it reports its pods again (the controller may have marked them not ready meanwhile).
      for (Pod p : pods.getIndexer().byIndex(HollowPods.BY_NODE, nodeName)) podController.enqueue(Keys.of(p));
    }
  }

  private void requireOurs(String nodeName) {
    if (!indexByName.containsKey(nodeName)) throw new IllegalArgumentException("not a node of this instance: " + nodeName);
  }

  private void enqueueIfOurs(Controller controller, String name) {
    if (indexByName.containsKey(name)) controller.enqueue(name);
  }

  /** Creates the node if missing, else refreshes its status when a heartbeat is due or something else changed it. */
  private void syncNode(String name) {
    Integer index = indexByName.get(name);
    if (index == null || paused.contains(name)) return;
    Instant now = Instant.now();
    Node node = nodes.getStore().getByKey(name);
    if (node == null) {
      try {
        client.nodes().resource(NodeObjects.node(config, index, now)).create();
      } catch (KubernetesClientException e) {
        // Already there but not yet in the cache: its add event brings us back.
        if (e.getCode() != 409) throw e;
      }
    } else if (!NodeObjects.statusFresh(node, config, index, now, config.heartbeatMin().minusSeconds(1))) {
      Node copy = new io.fabric8.kubernetes.api.model.NodeBuilder(node).withStatus(NodeObjects.status(config, index, node.getStatus(), now)).build();
      client.nodes().resource(copy).updateStatus();
    }
    nodeController.enqueueAfter(name, jitter(config.heartbeatMin(), config.heartbeatMax()));
  }

  /** Creates or renews the node's Lease, then comes back after one renew interval. */
  private void syncLease(String name) {
    if (!indexByName.containsKey(name) || paused.contains(name)) return;
    Lease lease = leases.getStore().getByKey(HollowNodeConfig.LEASE_NAMESPACE + "/" + name);
    int leaseSeconds = 40;
    if (lease == null) {
      Node node = nodes.getStore().getByKey(name);
      if (node == null) {
        // Without the node the Lease could not name its owner; the node's creation brings us back soon.
        leaseController.enqueueAfter(name, Duration.ofMillis(500));
        return;
      }
      try {
        client.leases().inNamespace(HollowNodeConfig.LEASE_NAMESPACE).resource(NodeObjects.lease(name, node.getMetadata().getUid(), leaseSeconds)).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) throw e;
      }
    } else {
      ZonedDateTime renew = lease.getSpec() == null ? null : lease.getSpec().getRenewTime();
      // A renewal already fresher than half an interval (e.g. just after a restart) is left as is.
      if (renew == null || renew.toInstant().plus(config.leaseRenewInterval().dividedBy(2)).isBefore(Instant.now())) {
        Lease renewed = new LeaseBuilder(lease).editOrNewSpec().withHolderIdentity(name)
            .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS)).endSpec().build();
        client.leases().inNamespace(HollowNodeConfig.LEASE_NAMESPACE).resource(renewed).update();
      }
    }
    leaseController.enqueueAfter(name, config.leaseRenewInterval());
  }

  private static Duration jitter(Duration min, Duration max) {
    long span = max.toMillis() - min.toMillis();
    return min.plusMillis(span <= 0 ? 0 : ThreadLocalRandom.current().nextLong(span + 1));
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> onChange) {
    return handler(onChange, onChange);
  }

  /** Handlers only enqueue (the work is in the syncs); a deletion calls {@code onDelete}. */
  private static <T> ResourceEventHandler<T> handler(Consumer<T> onChange, Consumer<T> onDelete) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onDelete.accept(obj);
      }
    };
  }

  /** Stops serving the nodes; the Node objects stay and turn NotReady once their Leases expire. */
  @Override
  public void close() {
    podController.close();
    leaseController.close();
    nodeController.close();
    pods.close();
    leases.close();
    nodes.close();
    LOG.info("hollow nodes stopped: count={}", config.count());
  }
}
