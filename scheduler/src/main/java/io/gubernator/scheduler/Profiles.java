package io.gubernator.scheduler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.gubernator.scheduler.framework.Framework;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.plugins.defaultbinder.DefaultBinder;
import io.gubernator.scheduler.framework.plugins.defaultpreemption.DefaultPreemption;
import io.gubernator.scheduler.framework.plugins.interpodaffinity.InterPodAffinity;
import io.gubernator.scheduler.framework.plugins.nodeaffinity.NodeAffinity;
import io.gubernator.scheduler.framework.plugins.nodeports.NodePorts;
import io.gubernator.scheduler.framework.plugins.podtopologyspread.PodTopologySpread;
import io.gubernator.scheduler.framework.plugins.tainttoleration.TaintToleration;
import io.gubernator.scheduler.framework.plugins.nodename.NodeName;
import io.gubernator.scheduler.framework.plugins.noderesources.BalancedAllocation;
import io.gubernator.scheduler.framework.plugins.noderesources.Fit;
import io.gubernator.scheduler.framework.plugins.nodeunschedulable.NodeUnschedulable;
import io.gubernator.scheduler.framework.plugins.queuesort.PrioritySort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The default-scheduler profile: upstream's default plugins, in its order, with its score weights. */
public final class Profiles {

  private Profiles() {
  }

  /** @param preemptor carries out preemptions (evicts victims); the scheduler passes one over the API */
  public static Framework defaultProfile(KubernetesClient client, DefaultPreemption.Preemptor preemptor) {
    return defaultProfile(client, preemptor, List::of);
  }

  /** @param budgets the PodDisruptionBudgets preemption weighs its victims against */
  public static Framework defaultProfile(KubernetesClient client, DefaultPreemption.Preemptor preemptor,
      Supplier<List<PodDisruptionBudget>> budgets) {
    List<Plugin> plugins = List.of(
        new NodeUnschedulable(),
        new NodeName(),
        new TaintToleration(),
        new NodeAffinity(),
        new NodePorts(),
        new Fit(),
        new PodTopologySpread(),
        new InterPodAffinity(),
        new BalancedAllocation(),
        new DefaultPreemption(preemptor, budgets),
        new DefaultBinder(client));
    return new Framework(Scheduler.DEFAULT_SCHEDULER_NAME, new PrioritySort(), plugins,
        Map.of(TaintToleration.NAME, 3, NodeAffinity.NAME, 2, Fit.NAME, 1, PodTopologySpread.NAME, 2,
            InterPodAffinity.NAME, 2, BalancedAllocation.NAME, 1));
  }
}
