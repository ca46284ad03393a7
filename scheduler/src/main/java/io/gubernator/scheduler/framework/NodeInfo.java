package io.gubernator.scheduler.framework;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One node and the pods on it (bound, or assumed by this scheduler and not yet seen bound), with
 * their summed requests: what the plugins look at. The cache mutates its own instances under its
 * lock; a scheduling cycle only ever sees {@link #copy() copies} in a snapshot.
 */
public final class NodeInfo {

  /** A pod on the node and its requests, computed once. */
  public record PodInfo(Pod pod, PodRequests requests) {
  }

  private Node node;
  private Resource allocatable = new Resource();
  // Read by filters on every node of every cycle: kept here so a filter does not walk the Node object
  // (with thousands of nodes, that pointer chasing was most of the filters' time).
  private boolean unschedulable;
  private List<Taint> taints = List.of();
  private Map<String, String> labels = Map.of();
  private final List<PodInfo> pods;
  /** Pods here with any pod (anti-)affinity: the only ones whose own terms can score an incoming pod. */
  private final List<PodInfo> podsWithAffinity;
  /** Pods here with required anti-affinity terms: the only ones every incoming pod must check. */
  private final List<PodInfo> podsWithRequiredAntiAffinity;
  private final Resource requested;
  private long nonZeroMilliCpu;
  private long nonZeroMemory;
  private long generation;

  public NodeInfo(Node node) {
    this(new ArrayList<>(), new ArrayList<>(0), new ArrayList<>(0), new Resource());
    setNode(node);
  }

  private NodeInfo(List<PodInfo> pods, List<PodInfo> affinity, List<PodInfo> antiAffinity, Resource requested) {
    this.pods = pods;
    this.podsWithAffinity = affinity;
    this.podsWithRequiredAntiAffinity = antiAffinity;
    this.requested = requested;
  }

  public void setNode(Node node) {
    this.node = node;
    this.allocatable = node == null || node.getStatus() == null ? new Resource() : Resource.of(node.getStatus().getAllocatable());
    this.unschedulable = node != null && node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    this.taints = node == null || node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    this.labels = node == null || node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
  }

  public Node node() {
    return node;
  }

  public String name() {
    return node == null ? null : node.getMetadata().getName();
  }

  /** spec.unschedulable of the node. */
  public boolean unschedulable() {
    return unschedulable;
  }

  /** spec.taints of the node, empty when none. Not to be mutated. */
  public List<Taint> taints() {
    return taints;
  }

  /** metadata.labels of the node (topology domains, node selectors), empty when none. Not to be mutated. */
  public Map<String, String> labels() {
    return labels;
  }

  public Resource allocatable() {
    return allocatable;
  }

  /** Summed requests of the pods on the node. Not to be mutated by plugins. */
  public Resource requested() {
    return requested;
  }

  public long nonZeroMilliCpu() {
    return nonZeroMilliCpu;
  }

  public long nonZeroMemory() {
    return nonZeroMemory;
  }

  public List<PodInfo> pods() {
    return pods;
  }

  public List<PodInfo> podsWithAffinity() {
    return podsWithAffinity;
  }

  public List<PodInfo> podsWithRequiredAntiAffinity() {
    return podsWithRequiredAntiAffinity;
  }

  public long generation() {
    return generation;
  }

  public void setGeneration(long generation) {
    this.generation = generation;
  }

  /**
   * Counts over this node's pods, memoised by whoever computed them under a key that names the
   * question (a topology spread constraint's namespace and selector). Snapshot copies are never
   * changed, so a count taken for one pod holds for the next until the node's pods change; a walk
   * over thousands of nodes then reads one number per node instead of every pod's labels.
   */
  private java.util.concurrent.ConcurrentHashMap<String, Long> podCounts;

  public long podCount(String key, java.util.function.ToLongFunction<NodeInfo> count) {
    var counts = podCounts;
    if (counts == null) {
      counts = new java.util.concurrent.ConcurrentHashMap<>();
      podCounts = counts;
    }
    Long known = counts.get(key);
    if (known != null) return known;
    long n = count.applyAsLong(this);
    counts.put(key, n);
    return n;
  }

  public void addPod(PodInfo p) {
    podCounts = null;
    pods.add(p);
    if (hasAffinity(p.pod())) podsWithAffinity.add(p);
    if (hasRequiredAntiAffinity(p.pod())) podsWithRequiredAntiAffinity.add(p);
    requested.add(p.requests().requests());
    nonZeroMilliCpu += p.requests().nonZeroMilliCpu();
    nonZeroMemory += p.requests().nonZeroMemory();
  }

  /** Removes the pod with this uid; whether it was there. */
  public boolean removePod(String uid) {
    for (int i = 0; i < pods.size(); i++) {
      PodInfo p = pods.get(i);
      if (uid.equals(p.pod().getMetadata().getUid())) {
        podCounts = null;
        pods.remove(i);
        podsWithAffinity.remove(p);
        podsWithRequiredAntiAffinity.remove(p);
        requested.subtract(p.requests().requests());
        nonZeroMilliCpu -= p.requests().nonZeroMilliCpu();
        nonZeroMemory -= p.requests().nonZeroMemory();
        return true;
      }
    }
    return false;
  }

  public NodeInfo copy() {
    NodeInfo c = new NodeInfo(new ArrayList<>(pods), new ArrayList<>(podsWithAffinity), new ArrayList<>(podsWithRequiredAntiAffinity),
        requested.copy());
    c.node = node;
    c.allocatable = allocatable;
    c.unschedulable = unschedulable;
    c.taints = taints;
    c.labels = labels;
    c.nonZeroMilliCpu = nonZeroMilliCpu;
    c.nonZeroMemory = nonZeroMemory;
    c.generation = generation;
    return c;
  }

  /** Upstream's PodsWithAffinity criterion. */
  static boolean hasAffinity(Pod p) {
    var a = p.getSpec().getAffinity();
    return a != null && (a.getPodAffinity() != null || a.getPodAntiAffinity() != null);
  }

  static boolean hasRequiredAntiAffinity(Pod p) {
    var a = p.getSpec().getAffinity();
    return a != null && a.getPodAntiAffinity() != null && a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null
        && !a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().isEmpty();
  }
}
