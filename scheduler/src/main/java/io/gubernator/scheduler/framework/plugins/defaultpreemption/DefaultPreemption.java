package io.gubernator.scheduler.framework.plugins.defaultpreemption;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.gubernator.client.LabelSelectors;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * DefaultPreemption: when no node fits, finds nodes where evicting pods of lower priority would
 * make room, picks the victims on each (all lower-priority pods out, then as many as possible
 * reprieved, most important first) — from a random node on, until it has enough candidates, as
 * upstream's dry run — chooses the node whose victims matter least, and has the
 * {@link Preemptor} evict them and nominate the node. The pod is then retried when the victims'
 * deletion arrives. Without a candidate, the message explains per node why, worded as upstream.
 * PodDisruptionBudgets are honoured as upstream does: victims whose loss a budget cannot afford are
 * reprieved first, and the node with the fewest such violations wins; preemption still proceeds
 * when every candidate violates one (a budget is best effort here, as in Kubernetes).
 */
public final class DefaultPreemption implements Plugin.PostFilter {

  public static final String NAME = "DefaultPreemption";
  public static final String NOT_HELPFUL = "Preemption is not helpful for scheduling";
  public static final String NO_VICTIMS = "No preemption victims found for incoming pod";
  static final int MIN_CANDIDATE_NODES_PERCENTAGE = 10;
  static final int MIN_CANDIDATE_NODES_ABSOLUTE = 100;

  /** Carries out a preemption through the API: deletes victims, sets nominatedNodeName. */
  @FunctionalInterface
  public interface Preemptor {
    void preempt(Pod preemptor, String node, List<Pod> victims);

    /** Whether an earlier preemption by this pod is still being carried out (its API calls under way). */
    default boolean inFlight(Pod preemptor) {
      return false;
    }
  }

  /** The node chosen, the pods to evict there, and how many of them a disruption budget protects. */
  public record Candidate(String node, List<Pod> victims, int budgetViolations) {
    public Candidate(String node, List<Pod> victims) {
      this(node, victims, 0);
    }
  }

  private final Preemptor preemptor;
  private final Supplier<List<PodDisruptionBudget>> budgets;

  public DefaultPreemption(Preemptor preemptor) {
    this(preemptor, List::of);
  }

  static final String NOT_ELIGIBLE_TERMINATING = "preemption: not eligible due to a terminating pod on the nominated node";

  /** @param budgets the cluster's PodDisruptionBudgets as last seen (the scheduler's informer) */
  public DefaultPreemption(Preemptor preemptor, Supplier<List<PodDisruptionBudget>> budgets) {
    this.preemptor = preemptor;
    this.budgets = budgets;
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
    if (preemptor.inFlight(pod)) return Status.unresolvable(NOT_ELIGIBLE_TERMINATING);
    String nominated = pod.getStatus() == null ? null : pod.getStatus().getNominatedNodeName();
    if (nominated != null && !nominated.isEmpty()) {
      int priority = priority(pod);
      for (NodeInfo n : nodes) {
        if (!nominated.equals(n.name())) continue;
        for (NodeInfo.PodInfo p : n.pods()) {
          if (p.pod().getMetadata().getDeletionTimestamp() != null && priority(p.pod()) < priority) {
            return Status.unresolvable(NOT_ELIGIBLE_TERMINATING);
          }
        }
      }
    }
    Map<String, Status> result = new LinkedHashMap<>();
    List<NodeInfo> potential = new ArrayList<>();
    for (NodeInfo n : nodes) {
      Status s = filtered.get(n.name());
      if (s == null || s.code() != Status.Code.UNSCHEDULABLE) {
        result.put(n.name(), Status.unresolvable(NOT_HELPFUL));
      } else {
        potential.add(n);
      }
    }
    // Upstream's dry run: from a random node on, until enough candidates are found, at least one
    // of them violating no budget; without a candidate every potential node has been tried.
    List<Candidate> candidates = new ArrayList<>();
    List<PodDisruptionBudget> pdbs = budgets.get();
    int enough = numCandidates(potential.size());
    int offset = potential.isEmpty() ? 0 : ThreadLocalRandom.current().nextInt(potential.size());
    int nonViolating = 0;
    for (int i = 0; i < potential.size() && (nonViolating == 0 || candidates.size() < enough); i++) {
      NodeInfo n = potential.get((offset + i) % potential.size());
      Object v = selectVictims(fwk, state, pod, n, pdbs);
      if (v instanceof Status st) {
        result.put(n.name(), st);
      } else {
        Candidate c = (Candidate) v;
        candidates.add(c);
        if (c.budgetViolations() == 0) nonViolating++;
      }
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

  /**
   * Upstream's calculateNumCandidates: 10% of the nodes where preemption might help, at least 100
   * (MinCandidateNodesPercentage and MinCandidateNodesAbsolute), at most all of them.
   */
  public static int numCandidates(int potentialNodes) {
    return Math.min(potentialNodes, Math.max(potentialNodes * MIN_CANDIDATE_NODES_PERCENTAGE / 100, MIN_CANDIDATE_NODES_ABSOLUTE));
  }

  /**
   * Upstream's selectVictimsOnNode: remove every lower-priority pod; if the pod then fits, add
   * them back most important first — those a disruption budget protects before the others —
   * keeping each that still leaves room. Returns the Candidate, or the Status explaining why this
   * node cannot help.
   */
  static Object selectVictims(Framework fwk, CycleState state, Pod pod, NodeInfo node, List<PodDisruptionBudget> pdbs) {
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
    List<NodeInfo.PodInfo> violating = new ArrayList<>();
    List<NodeInfo.PodInfo> nonViolating = new ArrayList<>();
    splitByBudgets(lower, pdbs, violating, nonViolating);
    List<Pod> victims = new ArrayList<>();
    int violations = 0;
    for (List<NodeInfo.PodInfo> group : List.of(violating, nonViolating)) {
      for (NodeInfo.PodInfo p : group) {
        without.addPod(p);
        if (!fwk.runFilter(state, pod, without, List.of()).isSuccess()) {
          without.removePod(p.pod().getMetadata().getUid());
          victims.add(p.pod());
          if (group == violating) violations++;
        }
      }
    }
    return new Candidate(node.name(), victims, violations);
  }

  /**
   * Upstream's filterPodsWithPDBViolation: going through the pods in order, each takes one of the
   * disruptions its budgets allow; a pod for which some budget has none left would violate it.
   * A pod the API server already evicted (in the budget's disruptedPods) takes nothing; budgets
   * with an empty selector are not considered, as upstream.
   */
  public static void splitByBudgets(List<NodeInfo.PodInfo> pods, List<PodDisruptionBudget> pdbs,
      List<NodeInfo.PodInfo> violating, List<NodeInfo.PodInfo> nonViolating) {
    int[] allowed = new int[pdbs.size()];
    for (int i = 0; i < pdbs.size(); i++) {
      Integer a = pdbs.get(i).getStatus() == null ? null : pdbs.get(i).getStatus().getDisruptionsAllowed();
      allowed[i] = a == null ? 0 : a;
    }
    for (NodeInfo.PodInfo p : pods) {
      boolean violated = false;
      Map<String, String> labels = p.pod().getMetadata().getLabels();
      if (labels != null && !labels.isEmpty()) {
        for (int i = 0; i < pdbs.size(); i++) {
          PodDisruptionBudget b = pdbs.get(i);
          if (!java.util.Objects.equals(b.getMetadata().getNamespace(), p.pod().getMetadata().getNamespace())) continue;
          if (b.getSpec() == null || emptySelector(b.getSpec().getSelector())) continue;
          if (!LabelSelectors.matches(b.getSpec().getSelector(), labels)) continue;
          Map<String, String> disrupted = b.getStatus() == null ? null : b.getStatus().getDisruptedPods();
          if (disrupted != null && disrupted.containsKey(p.pod().getMetadata().getName())) continue;
          if (--allowed[i] < 0) violated = true;
        }
      }
      (violated ? violating : nonViolating).add(p);
    }
  }

  private static boolean emptySelector(io.fabric8.kubernetes.api.model.LabelSelector s) {
    return s == null || (s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
        && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty());
  }

  /**
   * Upstream's pickOneNodeForPreemption: the fewest disruption-budget violations, then the lowest
   * highest-priority victim, then the smallest sum of (offset) priorities, then the fewest
   * victims, then the latest start among the most important victims, then the first node.
   */
  static Candidate pickOne(List<Candidate> candidates) {
    Comparator<Candidate> order = Comparator.comparingInt(Candidate::budgetViolations)
        .thenComparingLong((Candidate c) -> c.victims().stream().mapToLong(DefaultPreemption::priority).max().orElse(Long.MIN_VALUE))
        .thenComparingLong(c -> c.victims().stream().mapToLong(v -> priority(v) + (long) Integer.MAX_VALUE + 1).sum())
        .thenComparingInt(c -> c.victims().size())
        .thenComparing(DefaultPreemption::earliestStartOfMostImportant, Comparator.reverseOrder());
    return candidates.stream().min(order).orElseThrow();
  }

  /** Upstream's GetEarliestPodStartTime: among the highest-priority victims, the earliest start ("" sorts first). */
  private static String earliestStartOfMostImportant(Candidate c) {
    int top = c.victims().stream().mapToInt(DefaultPreemption::priority).max().orElse(0);
    return c.victims().stream().filter(v -> priority(v) == top).map(DefaultPreemption::startTime).min(String::compareTo).orElse("");
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
