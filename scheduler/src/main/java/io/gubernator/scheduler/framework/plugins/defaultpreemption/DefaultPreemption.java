package io.gubernator.scheduler.framework.plugins.defaultpreemption;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.FitError;
import io.gubernator.scheduler.framework.Framework;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DefaultPreemption: when no node fits, finds nodes where evicting pods of lower priority would
 * make room, picks the victims on each (all lower-priority pods out, then as many as possible
 * reprieved, most important first), chooses the node whose victims matter least, and has the
 * {@link Preemptor} evict them and nominate the node. The pod is then retried when the victims'
 * deletion arrives. Without a candidate, the message explains per node why, worded as upstream.
 * PodDisruptionBudgets are not consulted yet.
 */
public final class DefaultPreemption implements Plugin.PostFilter {

  public static final String NAME = "DefaultPreemption";
  public static final String NOT_HELPFUL = "Preemption is not helpful for scheduling";
  public static final String NO_VICTIMS = "No preemption victims found for incoming pod";

  /** Carries out a preemption through the API: deletes victims, sets nominatedNodeName. */
  @FunctionalInterface
  public interface Preemptor {
    void preempt(Pod preemptor, String node, List<Pod> victims);
  }

  /** The node chosen and the pods to evict there. */
  public record Candidate(String node, List<Pod> victims) {
  }

  private final Preemptor preemptor;

  public DefaultPreemption(Preemptor preemptor) {
    this.preemptor = preemptor;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status postFilter(Framework fwk, CycleState state, Pod pod, List<NodeInfo> nodes, Map<String, Status> filtered) {
    if ("Never".equals(pod.getSpec().getPreemptionPolicy())) {
      return Status.unresolvable("preemption: not eligible due to preemptionPolicy=Never");
    }
    // A pod whose earlier preemption is still under way (victims terminating) waits for it rather
    // than evicting more, as upstream's PodEligibleToPreemptOthers.
    String nominated = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
    if (nominated != null && !nominated.isEmpty()) {
      int priority = priority(pod);
      for (NodeInfo n : nodes) {
        if (!nominated.equals(n.name())) continue;
        for (NodeInfo.PodInfo p : n.pods()) {
          if (p.pod().getMetadata().getDeletionTimestamp() != null && priority(p.pod()) < priority) {
            return Status.unresolvable("preemption: not eligible due to a terminating pod on the nominated node");
          }
        }
      }
    }
    Map<String, Status> result = new LinkedHashMap<>();
    List<Candidate> candidates = new ArrayList<>();
    for (NodeInfo n : nodes) {
      Status s = filtered.get(n.name());
      if (s == null || s.code() != Status.Code.UNSCHEDULABLE) {
        result.put(n.name(), Status.unresolvable(NOT_HELPFUL));
        continue;
      }
      Object v = selectVictims(fwk, state, pod, n);
      if (v instanceof Status st) result.put(n.name(), st);
      else candidates.add(new Candidate(n.name(), castVictims(v)));
    }
    if (candidates.isEmpty()) {
      FitError e = new FitError(nodes.size(), result, "", "");
      // Upstream's inner message ends with a period that the outer one adds again; keep one.
      return Status.unschedulable("preemption: " + e.message().substring(0, e.message().length() - 1));
    }
    Candidate best = pickOne(candidates);
    preemptor.preempt(pod, best.node(), best.victims());
    return Status.success();
  }

  @SuppressWarnings("unchecked")
  private static List<Pod> castVictims(Object v) {
    return (List<Pod>) v;
  }

  /**
   * Upstream's selectVictimsOnNode: remove every lower-priority pod; if the pod then fits, add
   * them back most important first, keeping each that still leaves room. Returns the victims, or
   * the Status explaining why this node cannot help.
   */
  static Object selectVictims(Framework fwk, CycleState state, Pod pod, NodeInfo node) {
    int priority = priority(pod);
    List<NodeInfo.PodInfo> lower = new ArrayList<>();
    for (NodeInfo.PodInfo p : node.pods()) {
      if (priority(p.pod()) < priority) lower.add(p);
    }
    if (lower.isEmpty()) return Status.unresolvable(NO_VICTIMS);
    NodeInfo without = node.copy();
    for (NodeInfo.PodInfo p : lower) without.removePod(p.pod().getMetadata().getUid());
    Status fits = fwk.runFilter(state, pod, without, List.of());
    if (!fits.isSuccess()) return fits;
    lower.sort(Comparator.comparingInt((NodeInfo.PodInfo p) -> -priority(p.pod()))
        .thenComparing(p -> startTime(p.pod())));
    List<Pod> victims = new ArrayList<>();
    for (NodeInfo.PodInfo p : lower) {
      without.addPod(p);
      if (!fwk.runFilter(state, pod, without, List.of()).isSuccess()) {
        without.removePod(p.pod().getMetadata().getUid());
        victims.add(p.pod());
      }
    }
    return victims;
  }

  /**
   * Upstream's pickOneNodeForPreemption without PDBs: the lowest highest-priority victim, then the
   * smallest sum of (offset) priorities, then the fewest victims, then the first node.
   */
  static Candidate pickOne(List<Candidate> candidates) {
    Comparator<Candidate> order = Comparator.comparingLong((Candidate c) -> c.victims().stream().mapToLong(DefaultPreemption::priority).max().orElse(Long.MIN_VALUE))
        .thenComparingLong(c -> c.victims().stream().mapToLong(v -> priority(v) + (long) Integer.MAX_VALUE + 1).sum())
        .thenComparingInt(c -> c.victims().size());
    return candidates.stream().min(order).orElseThrow();
  }

  static int priority(Pod p) {
    Integer v = p.getSpec().getPriority();
    return v == null ? 0 : v;
  }

  private static String startTime(Pod p) {
    String t = p.getStatus() == null ? null : p.getStatus().getStartTime();
    return t == null ? "" : t;
  }
}
