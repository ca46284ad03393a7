package io.gubernator.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.FitError;
import io.gubernator.scheduler.framework.Framework;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The scheduling algorithm (Kubernetes' schedulePod): a function of the profile, the pod and a
 * snapshot of nodes. Filters nodes starting where the previous cycle stopped, until enough
 * feasible ones are found (percentageOfNodesToScore, adaptive as upstream), scores those, and
 * picks the best, breaking ties at random so equal nodes fill evenly.
 */
public final class Algorithm {

  /** Where the pod goes, and how many nodes were looked at (for logs and metrics). */
  public record Result(String node, int evaluated, int feasible) {
  }

  /** Thrown (as a value-carrying exception) when no node fits. */
  public static final class FitException extends Exception {
    private final FitError error;

    public FitException(FitError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    public FitError error() {
      return error;
    }
  }

  /** Upstream's minFeasibleNodesToFind and minFeasibleNodesPercentageToFind. */
  static final int MIN_FEASIBLE_NODES = 100;
  static final int MIN_FEASIBLE_PERCENTAGE = 5;

  private final RandomGenerator random;
  private int nextStartNodeIndex;

  public Algorithm(RandomGenerator random) {
    this.random = random;
  }

  public Result schedule(Framework fwk, CycleState state, Pod pod, List<NodeInfo> nodes) throws FitException {
    return schedule(fwk, state, pod, nodes, Map.of());
  }

  /**
   * @param nominated pods nominated to each node by preemption; those of at least this pod's
   *     priority count as placed there while filtering (upstream's addNominatedPods), so the room
   *     their preemption made is not taken by others
   */
  public Result schedule(Framework fwk, CycleState state, Pod pod, List<NodeInfo> nodes,
      Map<String, List<NodeInfo.PodInfo>> nominated) throws FitException {
    if (nodes.isEmpty()) {
      throw new FitException(new FitError(0, Map.of(), "", ""));
    }
    PodRequests requests = PodRequests.of(pod);
    List<String> skipped = new ArrayList<>(0);
    Status pre = fwk.runPreFilter(state, pod, requests, nodes, skipped);
    Map<String, Status> rejected = new HashMap<>();
    if (!pre.isSuccess()) {
      if (pre.code() == Status.Code.ERROR) throw new IllegalStateException("PreFilter " + pre.plugin() + ": " + pre.message());
      for (NodeInfo n : nodes) rejected.put(n.name(), pre);
      throw new FitException(new FitError(nodes.size(), rejected, pre.message(), postFilter(fwk, state, pod, withNominated(nodes, pod, nominated), rejected)));
    }
    int want = numFeasibleNodesToFind(nodes.size());
    List<NodeInfo> feasible = new ArrayList<>(Math.min(want, nodes.size()));
    int start = nextStartNodeIndex % nodes.size();
    int evaluated = 0;
    for (; evaluated < nodes.size() && feasible.size() < want; evaluated++) {
      NodeInfo n = nodes.get((start + evaluated) % nodes.size());
      Status s = fwk.runFilter(state, pod, nominated.isEmpty() ? n : withNominated(n, pod, nominated), skipped);
      if (s.isSuccess()) {
        feasible.add(n);
      } else if (s.code() == Status.Code.ERROR) {
        throw new IllegalStateException("Filter " + s.plugin() + " on node " + n.name() + ": " + s.message());
      } else if (feasible.isEmpty()) {
        rejected.put(n.name(), s); // read only when no node fits: the failure message, preemption
      }
    }
    // The next pod starts after the last node looked at, so all nodes get their turn.
    nextStartNodeIndex = (start + evaluated) % nodes.size();
    if (feasible.isEmpty()) {
      throw new FitException(new FitError(nodes.size(), rejected, "", postFilter(fwk, state, pod, withNominated(nodes, pod, nominated), rejected)));
    }
    if (feasible.size() == 1 || !fwk.hasScorePlugins()) {
      return new Result(feasible.get(0).name(), evaluated, feasible.size());
    }
    long[] scores = fwk.runScore(state, pod, feasible);
    return new Result(selectHost(feasible, scores), evaluated, feasible.size());
  }

  /**
   * The nodes as preemption must see them: with the pods already nominated to them (and at least as
   * important) counted, as upstream's RunFilterPluginsWithNominatedPods does; otherwise a node whose
   * victims are being deleted looks empty and every next preemptor picks it without victims.
   */
  private static List<NodeInfo> withNominated(List<NodeInfo> nodes, Pod pod, Map<String, List<NodeInfo.PodInfo>> nominated) {
    if (nominated.isEmpty()) return nodes;
    return nodes.stream().map(n -> withNominated(n, pod, nominated)).toList();
  }

  private static NodeInfo withNominated(NodeInfo n, Pod pod, Map<String, List<NodeInfo.PodInfo>> nominated) {
    List<NodeInfo.PodInfo> here = nominated.get(n.name());
    if (here == null) return n;
    int priority = pod.getSpec().getPriority() == null ? 0 : pod.getSpec().getPriority();
    NodeInfo copy = null;
    for (NodeInfo.PodInfo p : here) {
      Integer pp = p.pod().getSpec().getPriority();
      if ((pp == null ? 0 : pp) < priority || p.pod().getMetadata().getUid().equals(pod.getMetadata().getUid())) continue;
      if (copy == null) copy = n.copy();
      copy.addPod(p);
    }
    return copy == null ? n : copy;
  }

  private static String postFilter(Framework fwk, CycleState state, Pod pod, List<NodeInfo> nodes, Map<String, Status> rejected) {
    Status s = fwk.runPostFilter(state, pod, nodes, rejected);
    return s.isSuccess() ? "" : s.message();
  }

  /** Reservoir sampling among the top scores: each of k tied nodes wins with probability 1/k. */
  String selectHost(List<NodeInfo> nodes, long[] scores) {
    int best = 0;
    int ties = 1;
    for (int i = 1; i < nodes.size(); i++) {
      if (scores[i] > scores[best]) {
        best = i;
        ties = 1;
      } else if (scores[i] == scores[best]) {
        ties++;
        if (random.nextInt(ties) == 0) best = i;
      }
    }
    return nodes.get(best).name();
  }

  /**
   * Upstream's numFeasibleNodesToFind with the adaptive percentage: all nodes below 100, else
   * 50% minus 1% per 125 nodes, at least 5% and at least 100 nodes.
   */
  static int numFeasibleNodesToFind(int numAllNodes) {
    if (numAllNodes < MIN_FEASIBLE_NODES) return numAllNodes;
    int percentage = Math.max(50 - numAllNodes / 125, MIN_FEASIBLE_PERCENTAGE);
    int n = numAllNodes * percentage / 100;
    return Math.max(n, MIN_FEASIBLE_NODES);
  }
}
