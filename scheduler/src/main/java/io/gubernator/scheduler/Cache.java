package io.gubernator.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.DomainCounts;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.NodeLists;
import io.gubernator.scheduler.framework.PodRequests;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's view of nodes and the pods on them (Kubernetes' internal cache): pods the
 * informer has seen bound, plus pods this scheduler has <em>assumed</em> onto a node and is still
 * binding, so the next cycle counts their resources without waiting for the binding's round trip
 * and the watch event. An assumed pod is confirmed when the informer shows it bound, and
 * forgotten if binding fails. Scheduling cycles read a {@link Snapshot}, refreshed incrementally.
 */
public final class Cache {

  private record PodState(Pod pod, String node, boolean assumed) {
  }

  private final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
  private final Map<String, PodState> pods = new HashMap<>();
  private long generation;
  /** Bumped when the set of nodes changes, so the snapshot rebuilds its list. */
  private long membership;
  /**
   * Nodes changed since the last snapshot update. With thousands of nodes and one change per
   * cycle, visiting only these keeps the refresh O(changes) rather than O(nodes): one scheduler
   * loop updates one snapshot, so draining the set on update is enough.
   */
  private final java.util.Set<String> dirty = new java.util.HashSet<>();

  /** The nodes as one cycle sees them: copies, refreshed only where the cache changed. */
  public static final class Snapshot {
    private final Map<String, NodeInfo> byName = new HashMap<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final List<NodeInfo> list = new ArrayList<>();
    private long generation = -1;
    private long membership = -1;
    private final DomainCounts domainCounts = new DomainCounts(list);
    private final NodeLists lists = new NodeLists(list, domainCounts);

    public List<NodeInfo> nodes() {
      return list;
    }

    /** The node list with the sums kept over it, for the plugins that would otherwise walk it. */
    public NodeLists lists() {
      return lists;
    }

    public NodeInfo get(String name) {
      return byName.get(name);
    }
  }

  public synchronized void addOrUpdateNode(Node node) {
    String name = node.getMetadata().getName();
    NodeInfo n = nodes.get(name);
    if (n == null) {
      n = new NodeInfo(node);
      nodes.put(name, n);
      membership++;
    } else {
      if (n.node() == null) membership++;
      n.setNode(node);
    }
    n.setGeneration(++generation);
    dirty.add(name);
  }

  public synchronized void removeNode(String name) {
    NodeInfo n = nodes.get(name);
    if (n == null) return;
    // Pods still bound to a deleted node keep a placeholder until they go, as upstream does.
    if (n.pods().isEmpty()) nodes.remove(name);
    else n.setNode(null);
    n.setGeneration(++generation);
    dirty.add(name);
    membership++;
  }

  /** Counts the pod on {@code node} before the API knows; binding follows. */
  public synchronized void assume(Pod pod, String node) {
    String uid = pod.getMetadata().getUid();
    if (pods.containsKey(uid)) throw new IllegalStateException("pod " + uid + " is already in the cache");
    place(pod, node);
    pods.put(uid, new PodState(pod, node, true));
  }

  /** Binding failed: the assumed pod frees its node again. */
  public synchronized void forget(Pod pod) {
    String uid = pod.getMetadata().getUid();
    PodState s = pods.get(uid);
    if (s != null && s.assumed()) {
      unplace(uid, s.node());
      pods.remove(uid);
    }
  }

  public synchronized boolean isAssumed(Pod pod) {
    PodState s = pods.get(pod.getMetadata().getUid());
    return s != null && s.assumed();
  }

  /** A bound, non-terminal pod from the informer (add or update); confirms an assumed one. */
  public synchronized void addOrUpdatePod(Pod pod) {
    String uid = pod.getMetadata().getUid();
    String node = pod.getSpec().getNodeName();
    PodState s = pods.remove(uid);
    if (s != null) unplace(uid, s.node());
    place(pod, node);
    pods.put(uid, new PodState(pod, node, false));
  }

  public synchronized void removePod(Pod pod) {
    String uid = pod.getMetadata().getUid();
    PodState s = pods.remove(uid);
    if (s != null) unplace(uid, s.node());
  }

  public synchronized int nodeCount() {
    return (int) nodes.values().stream().filter(n -> n.node() != null).count();
  }

  private void place(Pod pod, String node) {
    NodeInfo n = nodes.get(node);
    if (n == null) {
      // The pod's watch event came before its node's: keep its resources for when the node arrives.
      n = new NodeInfo(null);
      nodes.put(node, n);
    }
    n.addPod(new NodeInfo.PodInfo(pod, PodRequests.of(pod)));
    n.setGeneration(++generation);
    dirty.add(node);
  }

  private void unplace(String uid, String node) {
    NodeInfo n = nodes.get(node);
    if (n == null) return;
    n.removePod(uid);
    n.setGeneration(++generation);
    dirty.add(node);
    if (n.node() == null && n.pods().isEmpty()) {
      nodes.remove(node);
      membership++;
    }
  }

  /**
   * Brings {@code snapshot} up to date: a full rebuild when nodes came or went, else fresh copies
   * of just the nodes changed since the last update, in place.
   */
  public synchronized void updateSnapshot(Snapshot snapshot) {
    if (snapshot.generation == generation) return;
    if (snapshot.membership != membership) {
      Map<String, NodeInfo> old = new HashMap<>(snapshot.byName);
      snapshot.byName.clear();
      snapshot.index.clear();
      snapshot.list.clear();
      snapshot.domainCounts.clear();
      for (Map.Entry<String, NodeInfo> e : nodes.entrySet()) {
        NodeInfo n = e.getValue();
        if (n.node() == null) continue;
        // Unchanged nodes keep their earlier copy: copies are never mutated.
        NodeInfo prev = snapshot.generation >= n.generation() ? old.get(e.getKey()) : null;
        NodeInfo copy = prev != null ? prev : n.copy();
        snapshot.index.put(e.getKey(), snapshot.list.size());
        snapshot.list.add(copy);
        snapshot.byName.put(e.getKey(), copy);
      }
      snapshot.membership = membership;
    } else {
      for (String name : dirty) {
        NodeInfo n = nodes.get(name);
        Integer i = snapshot.index.get(name);
        if (n == null || n.node() == null || i == null) continue;
        NodeInfo copy = n.copy();
        snapshot.domainCounts.replace(snapshot.list.set(i, copy), copy);
        snapshot.byName.put(name, copy);
      }
    }
    dirty.clear();
    snapshot.generation = generation;
  }
}
