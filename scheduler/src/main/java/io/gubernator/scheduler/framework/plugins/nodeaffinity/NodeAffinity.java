package io.gubernator.scheduler.framework.plugins.nodeaffinity;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.helper.NodeSelectors;
import java.util.List;
import java.util.Map;

/**
 * NodeAffinity: the node must carry every spec.nodeSelector label and match one of the
 * requiredDuringSchedulingIgnoredDuringExecution terms; among feasible nodes, the sum of the
 * weights of matching preferred terms ranks them (normalised so the best gets 100).
 */
public final class NodeAffinity implements Plugin.Filter, Plugin.Score {

  public static final String NAME = "NodeAffinity";
  public static final String ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status filter(CycleState state, Pod pod, NodeInfo node) {
    if (node.node() == null) return Status.error("node not found");
    return matches(pod, node) ? Status.success() : Status.unresolvable(ERR_REASON_POD);
  }

  /** nodeSelector and required node affinity; shared with PodTopologySpread (nodeAffinityPolicy Honor). */
  public static boolean matches(Pod pod, NodeInfo node) {
    Map<String, String> selector = pod.getSpec().getNodeSelector();
    if (selector != null && !selector.isEmpty()) {
      Map<String, String> labels = node.labels();
      for (Map.Entry<String, String> e : selector.entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) return false;
      }
    }
    Affinity a = pod.getSpec().getAffinity();
    if (a == null || a.getNodeAffinity() == null) return true;
    NodeSelector required = a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    return required == null || NodeSelectors.anyTermMatches(required.getNodeSelectorTerms(), node.node());
  }

  @Override
  public long score(CycleState state, Pod pod, NodeInfo node) {
    Affinity a = pod.getSpec().getAffinity();
    if (a == null || a.getNodeAffinity() == null) return 0;
    List<PreferredSchedulingTerm> preferred = a.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
    if (preferred == null) return 0;
    long sum = 0;
    for (PreferredSchedulingTerm t : preferred) {
      if (t.getWeight() != null && t.getWeight() != 0 && NodeSelectors.termMatches(t.getPreference(), node.node())) sum += t.getWeight();
    }
    return sum;
  }

  @Override
  public void normalizeScore(CycleState state, Pod pod, long[] scores) {
    Plugin.defaultNormalize(scores, false);
  }
}
