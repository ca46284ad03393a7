package io.gubernator.scheduler.framework.plugins.nodeunschedulable;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.helper.Taints;

/**
 * NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the
 * node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do), whether or not the
 * node carries that taint yet.
 */
public final class NodeUnschedulable implements Plugin.Filter {

  public static final String NAME = "NodeUnschedulable";
  public static final String ERR_REASON_UNKNOWN_CONDITION = "node(s) had unknown conditions";
  public static final String ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";
  static final Taint UNSCHEDULABLE_TAINT = new TaintBuilder().withKey("node.kubernetes.io/unschedulable").withEffect("NoSchedule").build();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status filter(CycleState state, Pod pod, NodeInfo node) {
    if (node.node() == null) return Status.unresolvable(ERR_REASON_UNKNOWN_CONDITION);
    if (!node.unschedulable()) return Status.success();
    if (Taints.tolerated(pod.getSpec().getTolerations(), UNSCHEDULABLE_TAINT)) return Status.success();
    return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
  }
}
