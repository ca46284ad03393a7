package io.gubernator.scheduler.framework;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Why no node fits, worded as Kubernetes' FitError.Error(): "0/N nodes are available:" then each
 * reason with the number of nodes that gave it, sorted as strings, then the PostFilter's message.
 *
 * @param numAllNodes nodes in the snapshot
 * @param nodeStatuses the rejecting status per node name
 * @param preFilterMessage set when a PreFilter plugin rejected the pod for every node
 * @param postFilterMessage the PostFilter (preemption) plugins' message, or empty
 */
public record FitError(int numAllNodes, Map<String, Status> nodeStatuses, String preFilterMessage, String postFilterMessage) {

  public static final String NO_NODE_AVAILABLE = "0/%d nodes are available";
  /** Kubernetes' ErrNoNodesAvailable, for a cluster without nodes. */
  public static final String NO_NODES = "no nodes available to schedule pods";

  public String message() {
    if (numAllNodes == 0 && nodeStatuses.isEmpty() && preFilterMessage.isEmpty()) return NO_NODES;
    StringBuilder msg = new StringBuilder(NO_NODE_AVAILABLE.formatted(numAllNodes)).append(':');
    if (!preFilterMessage.isEmpty()) {
      // The PreFilter status is copied to every node; listing it per node would repeat it.
      msg.append(' ').append(preFilterMessage).append('.');
    } else {
      String histogram = histogram(nodeStatuses);
      if (!histogram.isEmpty()) msg.append(' ').append(histogram).append('.');
    }
    if (!postFilterMessage.isEmpty()) msg.append(' ').append(postFilterMessage).append('.');
    return msg.toString();
  }

  /** "1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}": counts per reason, sorted as strings. */
  public static String histogram(Map<String, Status> statuses) {
    Map<String, Integer> counts = new HashMap<>();
    for (Status s : statuses.values()) {
      for (String r : s.reasons()) counts.merge(r, 1, Integer::sum);
    }
    List<String> lines = new ArrayList<>();
    counts.forEach((reason, n) -> lines.add(n + " " + reason));
    lines.sort(null);
    return String.join(", ", lines);
  }
}
