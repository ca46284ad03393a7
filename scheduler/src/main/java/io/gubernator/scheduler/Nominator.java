package io.gubernator.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.PodRequests;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pending pods nominated to a node by preemption (status.nominatedNodeName), so that while their
 * victims terminate, other pods of lower or equal priority do not take the room preemption made.
 * Recorded by this scheduler's preemption at once and fed from the pod informer; read by each
 * cycle as a copy.
 */
final class Nominator {

  private final Map<String, String> nodeByUid = new HashMap<>();
  private final Map<String, List<NodeInfo.PodInfo>> byNode = new HashMap<>();

  /**
   * Records the pod's nomination from its current object. An object without one keeps a nomination
   * made in memory (upstream's UpdateNominatedPod does the same): the API shows it only once the
   * preemption's status write lands, and updates from before that must not free the room.
   */
  synchronized void update(Pod pod) {
    String node = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
    if (node == null || node.isEmpty()) node = nodeByUid.get(pod.getMetadata().getUid());
    remove(pod);
    if (node != null) record(pod, node);
  }

  /** This scheduler's preemption nominated the pod to {@code node}; the API learns of it later. */
  synchronized void nominate(Pod pod, String node) {
    remove(pod);
    record(pod, node);
  }

  private void record(Pod pod, String node) {
    nodeByUid.put(pod.getMetadata().getUid(), node);
    byNode.computeIfAbsent(node, k -> new ArrayList<>()).add(new NodeInfo.PodInfo(pod, PodRequests.of(pod)));
  }

  synchronized void remove(Pod pod) {
    String uid = pod.getMetadata().getUid();
    String node = nodeByUid.remove(uid);
    if (node == null) return;
    List<NodeInfo.PodInfo> list = byNode.get(node);
    list.removeIf(p -> uid.equals(p.pod().getMetadata().getUid()));
    if (list.isEmpty()) byNode.remove(node);
  }

  /** A copy for one cycle; empty (and cheap) in the common case of no preemption under way. */
  synchronized Map<String, List<NodeInfo.PodInfo>> snapshot() {
    if (byNode.isEmpty()) return Map.of();
    Map<String, List<NodeInfo.PodInfo>> copy = new HashMap<>();
    byNode.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return copy;
  }
}
