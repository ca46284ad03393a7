package io.gubernator.scheduler.framework.plugins.tainttoleration;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.helper.Taints;
import java.util.List;

/**
 * TaintToleration: a node's NoSchedule and NoExecute taints must each be tolerated by the pod
 * (the first one that is not names the failure); PreferNoSchedule taints the pod does not tolerate
 * count against the node when scoring, fewer being better.
 */
public final class TaintToleration implements Plugin.Filter, Plugin.Score {

  public static final String NAME = "TaintToleration";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status filter(CycleState state, Pod pod, NodeInfo node) {
    if (node.node() == null) return Status.error("invalid nodeInfo");
    Taint t = Taints.untoleratedDoNotSchedule(node.taints(), pod.getSpec().getTolerations());
    if (t == null) return Status.success();
    return Status.unresolvable("node(s) had untolerated taint {" + t.getKey() + ": " + (t.getValue() == null ? "" : t.getValue()) + "}");
  }

  @Override
  public long score(CycleState state, Pod pod, NodeInfo node) {
    List<Taint> taints = node.taints();
    List<Toleration> tolerations = null; // filtered only when a node has a PreferNoSchedule taint: this runs per node
    long count = 0;
    for (Taint t : taints) {
      if (!"PreferNoSchedule".equals(t.getEffect())) continue;
      if (tolerations == null) tolerations = preferNoScheduleTolerations(pod);
      if (!Taints.tolerated(tolerations, t)) count++;
    }
    return count;
  }

  /** Upstream only considers the pod's tolerations with an empty or PreferNoSchedule effect here. */
  private static List<Toleration> preferNoScheduleTolerations(Pod pod) {
    return pod.getSpec().getTolerations() == null ? List.of()
        : pod.getSpec().getTolerations().stream().filter(t -> t.getEffect() == null || t.getEffect().isEmpty()
            || "PreferNoSchedule".equals(t.getEffect())).toList();
  }

  @Override
  public void normalizeScore(CycleState state, Pod pod, long[] scores) {
    Plugin.defaultNormalize(scores, true);
  }
}
