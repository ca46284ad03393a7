package io.gubernator.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.gubernator.client.Controller;
import io.gubernator.client.EnqueueHandler;
import io.gubernator.client.EventRecorder;
import io.gubernator.client.Keys;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' node lifecycle controller: a node whose kubelet stops renewing its Lease (and
 * posting its Ready heartbeat) for the grace period gets its conditions set to Unknown; the Ready
 * condition decides the {@code not-ready}/{@code unreachable} NoExecute and NoSchedule taints; and
 * (the taint manager) pods on a node with a NoExecute taint they do not tolerate are deleted, at
 * once or when their {@code tolerationSeconds} run out. Pods of a node that turns Unknown lose
 * their own Ready condition at once. Events as Kubernetes': RegisteredNode and NodeNotReady
 * from node-controller, TaintManagerEviction from taint-eviction-controller.
 *
 * <p>Two queues: node names (health, taints, pod readiness) and pod keys (eviction). Freshness is
 * measured on this controller's own clock, from when it saw the Lease or the Ready heartbeat
 * change (as Kubernetes' probe timestamps), so clock skew between nodes and control plane does not
 * matter, and a restarted controller gives every node a full grace period.
 */
public final class NodeLifecycleController implements AutoCloseable {

  public static final String TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
  public static final String TAINT_NOT_READY = "node.kubernetes.io/not-ready";
  public static final String LEASE_NAMESPACE = "kube-node-lease";
  static final String POD_NODE_INDEX = "nodelifecycle.nodeName";
  static final List<String> CONDITIONS = List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure");

  private static final Logger LOG = LoggerFactory.getLogger(NodeLifecycleController.class);

  /** What was last observed of a node's liveness and when (on our clock). */
  private record Probe(String leaseRenew, String readyHeartbeat, Instant observedAt) {}

  private final KubernetesClient client;
  private final SharedIndexInformer<Node> nodes;
  private final SharedIndexInformer<Lease> leases;
  private final SharedIndexInformer<Pod> pods;
  /** Kubernetes' two recorders: node-controller for node health, taint-eviction-controller for evictions. */
  private final EventRecorder nodeEvents;
  private final EventRecorder evictionEvents;
  private final Duration gracePeriod;
  private final Controller nodeController;
  private final Controller podController;
  private final Map<String, Probe> probes = new ConcurrentHashMap<>();
  /** Nodes turned Unknown whose pods are still to be marked not ready (once per transition, as Kubernetes). */
  private final Set<String> podsToMarkNotReady = ConcurrentHashMap.newKeySet();

  public NodeLifecycleController(KubernetesClient client, SharedIndexInformer<Node> nodes, SharedIndexInformer<Lease> leases,
      SharedIndexInformer<Pod> pods, EventRecorder events, Duration gracePeriod, int workers) {
    this.client = client;
    this.nodes = nodes;
    this.leases = leases;
    this.pods = pods;
    this.nodeEvents = events.forComponent("node-controller");
    this.evictionEvents = events.forComponent("taint-eviction-controller");
    this.gracePeriod = gracePeriod;
    this.nodeController = new Controller("node-lifecycle-controller", workers, this::syncNode);
    this.podController = new Controller("taint-eviction-controller", workers, this::syncPod);
    addPodNodeIndex(pods);
    nodes.addEventHandler(EnqueueHandler.of(n -> {
      nodeController.enqueue(n.getMetadata().getName());
      enqueuePodsOn(n.getMetadata().getName());
    }));
    leases.addEventHandler(EnqueueHandler.of(l -> {
      if (LEASE_NAMESPACE.equals(l.getMetadata().getNamespace())) nodeController.enqueue(l.getMetadata().getName());
    }));
    pods.addEventHandler(EnqueueHandler.of(p -> {
      if (nodeName(p) != null) podController.enqueue(Keys.of(p));
    }));
  }

  /** Indexes pods by {@code spec.nodeName} (shared: PodGC uses the same index); only before the informer starts. */
  public static void addPodNodeIndex(SharedIndexInformer<Pod> pods) {
    if (pods.getIndexer().getIndexers().containsKey(POD_NODE_INDEX)) return;
    pods.addIndexers(Map.of(POD_NODE_INDEX, p -> {
      String n = nodeName(p);
      return n == null ? List.of() : List.of(n);
    }));
  }

  public static List<Pod> podsOn(SharedIndexInformer<Pod> pods, String node) {
    return pods.getIndexer().byIndex(POD_NODE_INDEX, node);
  }

  static String nodeName(Pod p) {
    String n = p.getSpec() == null ? null : p.getSpec().getNodeName();
    return n == null || n.isEmpty() ? null : n;
  }

  public void start() {
    nodeController.start(List.of(nodes, leases, pods));
    podController.start(List.of(nodes, leases, pods));
  }

  private void enqueuePodsOn(String node) {
    for (Pod p : podsOn(pods, node)) podController.enqueue(Keys.of(p));
  }

  // ---- node health and taints ----

  private void syncNode(String name) {
    Node node = nodes.getStore().getByKey(name);
    if (node == null) {
      probes.remove(name);
      podsToMarkNotReady.remove(name);
      return;
    }
    Instant now = Instant.now();
    if (!probes.containsKey(name)) {
      // Kubernetes' controller announces every node it starts to watch (again after a restart).
      nodeEvents.event(node, EventRecorder.NORMAL, "RegisteredNode", "Node " + name + " event: Registered Node " + name + " in Controller");
    }
    Probe probe = observe(name, node, now);
    Duration silence = Duration.between(probe.observedAt(), now);
    NodeCondition ready = condition(node, "Ready");
    if (silence.compareTo(gracePeriod) >= 0) {
      if (ready == null || !"Unknown".equals(ready.getStatus()) || !allUnknown(node)) {
        markUnknown(node, now);
        return; // the status update brings the node back with Ready=Unknown, for the taints
      }
    } else {
      nodeController.enqueueAfter(name, gracePeriod.minus(silence).plusMillis(100));
    }
    if (ready == null || !"Unknown".equals(ready.getStatus())) podsToMarkNotReady.remove(name);
    else if (podsToMarkNotReady.contains(name)) markPodsNotReady(name);
    reconcileTaints(node, ready == null ? null : ready.getStatus(), now);
  }

  /** The probe of the node, renewed when its Lease's renewTime or its Ready heartbeat changed since last seen. */
  private Probe observe(String name, Node node, Instant now) {
    Lease lease = leases.getStore().getByKey(LEASE_NAMESPACE + "/" + name);
    ZonedDateTime renewTime = lease == null || lease.getSpec() == null ? null : lease.getSpec().getRenewTime();
    String renew = renewTime == null ? null : renewTime.toInstant().toString();
    NodeCondition ready = condition(node, "Ready");
    // Our own Unknown write carries no heartbeat of the kubelet's; only a kubelet's True/False counts.
    String heartbeat = ready == null || "Unknown".equals(ready.getStatus()) ? null : ready.getLastHeartbeatTime();
    return probes.compute(name, (k, old) -> {
      if (old == null) return new Probe(renew, heartbeat, now);
      boolean renewed = renew != null && !renew.equals(old.leaseRenew());
      boolean heartbeatChanged = heartbeat != null && !heartbeat.equals(old.readyHeartbeat());
      return renewed || heartbeatChanged ? new Probe(renew, heartbeat, now) : old;
    });
  }

  private static NodeCondition condition(Node node, String type) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) return null;
    for (NodeCondition c : node.getStatus().getConditions()) if (type.equals(c.getType())) return c;
    return null;
  }

  private static boolean allUnknown(Node node) {
    for (String type : CONDITIONS) {
      NodeCondition c = condition(node, type);
      if (c == null || !"Unknown".equals(c.getStatus())) return false;
    }
    return true;
  }

  private void markUnknown(Node node, Instant now) {
    String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
    List<NodeCondition> conditions = new ArrayList<>();
    List<NodeCondition> existing = node.getStatus() == null || node.getStatus().getConditions() == null
        ? List.of() : node.getStatus().getConditions();
    for (NodeCondition c : existing) if (!CONDITIONS.contains(c.getType())) conditions.add(c);
    for (String type : CONDITIONS) {
      NodeCondition c = condition(node, type);
      if (c != null && "Unknown".equals(c.getStatus())) {
        conditions.add(c);
        continue;
      }
      boolean never = c == null;
      conditions.add(new NodeConditionBuilder().withType(type).withStatus("Unknown")
          .withReason(never ? "NodeStatusNeverUpdated" : "NodeStatusUnknown")
          .withMessage(never ? "Kubelet never posted node status." : "Kubelet stopped posting node status.")
          .withLastHeartbeatTime(never ? ts : c.getLastHeartbeatTime()).withLastTransitionTime(ts).build());
    }
    Node copy = new NodeBuilder(node).editOrNewStatus().withConditions(conditions).endStatus().build();
    LOG.info("node stopped posting status: node={} grace={}", node.getMetadata().getName(), gracePeriod);
    client.nodes().resource(copy).updateStatus();
    NodeCondition ready = condition(node, "Ready");
    if (ready != null && "True".equals(ready.getStatus())) {
      nodeEvents.event(node, EventRecorder.NORMAL, "NodeNotReady", "Node " + node.getMetadata().getName() + " status is now: NodeNotReady");
      podsToMarkNotReady.add(node.getMetadata().getName());
    }
  }

  /** Ready Unknown: unreachable taints; False: not-ready taints; True (or no condition yet): neither. */
  private void reconcileTaints(Node node, String readyStatus, Instant now) {
    String wanted = "Unknown".equals(readyStatus) ? TAINT_UNREACHABLE : "False".equals(readyStatus) ? TAINT_NOT_READY : null;
    List<Taint> current = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    List<Taint> desired = new ArrayList<>();
    for (Taint t : current) {
      boolean ours = TAINT_UNREACHABLE.equals(t.getKey()) || TAINT_NOT_READY.equals(t.getKey());
      if (!ours) desired.add(t);
    }
    if (wanted != null) {
      for (String effect : List.of("NoSchedule", "NoExecute")) {
        Taint have = current.stream().filter(t -> wanted.equals(t.getKey()) && effect.equals(t.getEffect())).findFirst().orElse(null);
        if (have != null) desired.add(have);
        else {
          TaintBuilder b = new TaintBuilder().withKey(wanted).withEffect(effect);
          if (effect.equals("NoExecute")) b.withTimeAdded(now.truncatedTo(ChronoUnit.SECONDS).toString());
          desired.add(b.build());
        }
      }
    }
    if (sameTaints(current, desired)) return;
    LOG.info("node taints updated: node={} ready={} taint={}", node.getMetadata().getName(), readyStatus, wanted);
    Node copy = new NodeBuilder(node).editOrNewSpec().withTaints(desired).endSpec().build();
    client.nodes().resource(copy).update();
  }

  private static boolean sameTaints(List<Taint> a, List<Taint> b) {
    if (a.size() != b.size()) return false;
    for (int i = 0; i < a.size(); i++) {
      if (!Objects.equals(a.get(i).getKey(), b.get(i).getKey()) || !Objects.equals(a.get(i).getEffect(), b.get(i).getEffect())) return false;
    }
    return true;
  }

  // ---- taint-based eviction ----

  private void syncPod(String key) {
    Pod pod = pods.getStore().getByKey(key);
    if (pod == null || pod.getMetadata().getDeletionTimestamp() != null || nodeName(pod) == null) return;
    Node node = nodes.getStore().getByKey(nodeName(pod));
    if (node == null || node.getSpec() == null || node.getSpec().getTaints() == null) return;
    Instant now = Instant.now();
    Instant deadline = null;
    for (Taint taint : node.getSpec().getTaints()) {
      if (!"NoExecute".equals(taint.getEffect())) continue;
      Long seconds = null;
      boolean tolerated = false;
      boolean forever = false;
      for (Toleration t : pod.getSpec().getTolerations() == null ? List.<Toleration>of() : pod.getSpec().getTolerations()) {
        if (!tolerates(t, taint)) continue;
        tolerated = true;
        if (t.getTolerationSeconds() == null) forever = true;
        else seconds = seconds == null ? t.getTolerationSeconds() : Math.min(seconds, t.getTolerationSeconds());
      }
      if (!tolerated) {
        evict(pod);
        return;
      }
      if (forever && seconds == null) continue;
      Instant added = parse(taint.getTimeAdded(), now);
      Instant until = added.plusSeconds(Math.max(0, seconds));
      if (deadline == null || until.isBefore(deadline)) deadline = until;
    }
    if (deadline == null) return;
    if (!deadline.isAfter(now)) evict(pod);
    else podController.enqueueAfter(key, Duration.between(now, deadline));
  }

  /**
   * Kubernetes' MarkPodsNotReady: nobody vouches for the pods of a node that stopped reporting, so
   * Services stop sending them traffic now rather than when they are evicted (300 s by default).
   * Once per transition: a kubelet that still writes (partitioned from its Lease only) would
   * otherwise trade the condition back and forth with us; back, it reports the truth again.
   * A failure (a conflict) leaves the node pending, retried with the node.
   */
  private void markPodsNotReady(String node) {
    for (Pod pod : podsOn(pods, node)) {
      if (pod.getMetadata().getDeletionTimestamp() == null) markNotReady(pod);
    }
    podsToMarkNotReady.remove(node);
  }

  private void markNotReady(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) return;
    var conditions = new ArrayList<PodCondition>();
    boolean changed = false;
    for (var c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType()) && "True".equals(c.getStatus())) {
        c = new PodConditionBuilder(c).withStatus("False")
            .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).build();
        changed = true;
      }
      conditions.add(c);
    }
    if (!changed) return;
    Pod copy = new PodBuilder(pod).editStatus().withConditions(conditions).endStatus().build();
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(copy).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) return;
      throw e;
    }
    nodeEvents.event(pod, EventRecorder.WARNING, "NodeNotReady", "Node is not ready");
  }

  private static Instant parse(String time, Instant fallback) {
    if (time == null) return fallback;
    try {
      return Instant.parse(time);
    } catch (RuntimeException e) {
      return fallback;
    }
  }

  /** Kubernetes' Toleration.ToleratesTaint. */
  static boolean tolerates(Toleration t, Taint taint) {
    if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) return false;
    if (t.getKey() != null && !t.getKey().isEmpty() && !t.getKey().equals(taint.getKey())) return false;
    String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
    if (op.equals("Exists")) return true;
    if (t.getKey() == null || t.getKey().isEmpty()) return false; // an empty key needs Exists
    return Objects.equals(emptyToNull(t.getValue()), emptyToNull(taint.getValue()));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private void evict(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    LOG.info("taint eviction: pod={}/{} node={}", ns, name, nodeName(pod));
    evictionEvents.event(pod, EventRecorder.NORMAL, "TaintManagerEviction", "Marking for deletion Pod " + ns + "/" + name);
    try {
      client.pods().inNamespace(ns).withName(name).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }

  @Override
  public void close() {
    podController.close();
    nodeController.close();
  }
}
