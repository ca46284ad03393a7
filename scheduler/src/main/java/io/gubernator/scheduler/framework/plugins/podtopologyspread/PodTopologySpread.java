package io.gubernator.scheduler.framework.plugins.podtopologyspread;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.gubernator.client.LabelSelectors;
import io.gubernator.scheduler.framework.CycleState;
import io.gubernator.scheduler.framework.DomainCounts;
import io.gubernator.scheduler.framework.NodeInfo;
import io.gubernator.scheduler.framework.NodeLists;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.PodRequests;
import io.gubernator.scheduler.framework.Status;
import io.gubernator.scheduler.framework.plugins.helper.Taints;
import io.gubernator.scheduler.framework.plugins.nodeaffinity.NodeAffinity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * PodTopologySpread, hard constraints (whenUnsatisfiable: DoNotSchedule): placing the pod in a
 * node's domain must not make that domain's count of matching pods exceed the least-loaded
 * domain's by more than maxSkew. Domains are counted over the nodes that carry every constraint's
 * topology key and, with nodeAffinityPolicy Honor (the default), match the pod's node affinity;
 * minDomains makes the minimum 0 while fewer domains exist.
 *
 * <p>Scoring (whenUnsatisfiable: ScheduleAnyway), as upstream's scoring.go: a node scores, per
 * constraint, the matching pods in its domain times log(domains + 2) plus maxSkew - 1; the sum is
 * inverted so the emptiest domain gets 100. Nodes lacking any constraint's topology key score 0
 * and take no part in the normalisation. Upstream's system default constraints (hostname maxSkew
 * 3, zone maxSkew 5) for pods without constraints are not applied: their selector comes from the
 * Services, ReplicaSets, ReplicationControllers and StatefulSets selecting the pod, which this
 * scheduler does not watch.
 */
public final class PodTopologySpread implements Plugin.PreFilter, Plugin.Filter, Plugin.PreScore, Plugin.Score {

  public static final String NAME = "PodTopologySpread";
  public static final String ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
  public static final String ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)";
  static final String STATE_KEY = "PreFilter" + NAME;
  static final String PRE_SCORE_STATE_KEY = "PreScore" + NAME;
  /** PreScore only sees the feasible nodes, but matching pods on every node count (upstream reads the snapshot). */
  static final String ALL_NODES_KEY = "AllNodes" + NAME;
  static final String LABEL_HOSTNAME = "kubernetes.io/hostname";
  /**
   * Raw score of a node missing a topology key. Upstream marks such nodes by name in NormalizeScore;
   * ours sees only the scores, and a real raw score is never negative.
   */
  static final long INVALID_SCORE = -1;

  /** One hard constraint with its selector (matchLabelKeys folded in) and its matching pods per domain. */
  record Constraint(String topologyKey, int maxSkew, int minDomains, LabelSelector selector, boolean selfMatch,
      ToLongFunction<String> counts, long minMatch) {
  }

  record State(List<Constraint> constraints) {
  }

  record AllNodes(List<NodeInfo> nodes) {
  }

  /**
   * Soft constraints with, per constraint, matching pods per domain of the feasible nodes (hostname
   * domains are counted in Score, from the node itself) and log(domains + 2), so that counts in a
   * topology with few domains are not watered down by one with many.
   */
  record ScoreState(List<TopologySpreadConstraint> constraints, List<LabelSelector> selectors, Set<String> ignoredNodes,
      List<Map<String, Long>> counts, double[] normalizingWeights) {
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status preFilter(CycleState state, Pod pod, PodRequests requests, List<NodeInfo> nodes) {
    state.write(ALL_NODES_KEY, new AllNodes(nodes));
    List<TopologySpreadConstraint> hard = new ArrayList<>();
    if (pod.getSpec().getTopologySpreadConstraints() != null) {
      for (TopologySpreadConstraint c : pod.getSpec().getTopologySpreadConstraints()) {
        if ("DoNotSchedule".equals(c.getWhenUnsatisfiable())) hard.add(c);
      }
    }
    if (hard.isEmpty()) return Status.skip();
    String ns = pod.getMetadata().getNamespace();
    List<LabelSelector> selectors = new ArrayList<>();
    for (TopologySpreadConstraint c : hard) selectors.add(selector(c, pod));
    List<String> countKeys = countKeys(selectors, ns);
    NodeLists lists = NodeLists.of(state, nodes);
    // Over the snapshot, when which nodes count does not depend on the pod, the sums outlive the
    // cycle; otherwise they are taken over this node list for this cycle alone.
    boolean shared = lists != null && inclusionIgnoresPod(pod, hard);
    List<Constraint> constraints = constraints(pod, hard, selectors, countKeys, shared ? lists.domainCounts() : new DomainCounts(nodes),
        shared);
    state.write(STATE_KEY, new State(constraints));
    return Status.success();
  }

  /**
   * Each constraint with its matching pods per domain, over the nodes with every constraint's
   * topology key (and, unless {@code shared}, that the pod's node inclusion policies admit).
   */
  private static List<Constraint> constraints(Pod pod, List<TopologySpreadConstraint> hard, List<LabelSelector> selectors,
      List<String> countKeys, DomainCounts sums, boolean shared) {
    List<String> keys = hard.stream().map(TopologySpreadConstraint::getTopologyKey).toList();
    String required = String.join("\u0000", keys);
    List<Constraint> constraints = new ArrayList<>();
    String ns = pod.getMetadata().getNamespace();
    for (int i = 0; i < hard.size(); i++) {
      TopologySpreadConstraint c = hard.get(i);
      LabelSelector selector = selectors.get(i);
      String countKey = countKeys.get(i);
      String topologyKey = c.getTopologyKey();
      DomainCounts.Sums s = sums.sums(countKey + "\u0000" + topologyKey + "\u0000" + required,
          n -> hasAll(n, keys) && (shared || matchNodeInclusionPolicies(pod, n, hard)) ? n.labels().get(topologyKey) : null,
          n -> countMatching(n, selector, ns, countKey));
      int minDomains = c.getMinDomains() == null ? 1 : c.getMinDomains();
      constraints.add(new Constraint(topologyKey, c.getMaxSkew(), minDomains, selector,
          LabelSelectors.matches(selector, pod.getMetadata().getLabels()), s::matching, s.size() < minDomains ? 0 : s.min()));
    }
    return constraints;
  }

  /** Whether the node carries every one of the topology keys. */
  private static boolean hasAll(NodeInfo n, List<String> keys) {
    Map<String, String> labels = n.labels();
    for (String k : keys) {
      if (!labels.containsKey(k)) return false;
    }
    return true;
  }

  /** Whether the node inclusion policies let every node with the topology keys count, whatever the pod. */
  private static boolean inclusionIgnoresPod(Pod pod, List<TopologySpreadConstraint> constraints) {
    boolean noNodeAffinity = (pod.getSpec().getNodeSelector() == null || pod.getSpec().getNodeSelector().isEmpty())
        && (pod.getSpec().getAffinity() == null || pod.getSpec().getAffinity().getNodeAffinity() == null
            || pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null);
    for (TopologySpreadConstraint c : constraints) {
      if (!noNodeAffinity && !"Ignore".equals(c.getNodeAffinityPolicy())) return false;
      if ("Honor".equals(c.getNodeTaintsPolicy())) return false;
    }
    return true;
  }

  /** matchLabelKeys add "key In (the pod's value)" to the selector, as upstream merges them. */
  static LabelSelector selector(TopologySpreadConstraint c, Pod pod) {
    LabelSelector base = c.getLabelSelector();
    if (c.getMatchLabelKeys() == null || c.getMatchLabelKeys().isEmpty() || base == null) return base;
    LabelSelectorBuilder b = new LabelSelectorBuilder(base);
    Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    for (String key : c.getMatchLabelKeys()) {
      String v = labels.get(key);
      if (v != null) b.addNewMatchExpression().withKey(key).withOperator("In").withValues(v).endMatchExpression();
    }
    return b.build();
  }

  private static boolean matchNodeInclusionPolicies(Pod pod, NodeInfo n, List<TopologySpreadConstraint> constraints) {
    for (TopologySpreadConstraint c : constraints) {
      if (!matchNodeInclusionPolicies(pod, n, c)) return false;
    }
    return true;
  }

  /** nodeAffinityPolicy (Honor by default) and nodeTaintsPolicy (Ignore by default). */
  private static boolean matchNodeInclusionPolicies(Pod pod, NodeInfo n, TopologySpreadConstraint c) {
    if (!"Ignore".equals(c.getNodeAffinityPolicy()) && !NodeAffinity.matches(pod, n)) return false;
    return !"Honor".equals(c.getNodeTaintsPolicy()) || Taints.untoleratedDoNotSchedule(n.taints(), pod.getSpec().getTolerations()) == null;
  }

  /** What a count of matching pods depends on: the namespace and the selector (its full rendering). */
  private static List<String> countKeys(List<LabelSelector> selectors, String ns) {
    List<String> keys = new ArrayList<>(selectors.size());
    for (LabelSelector s : selectors) keys.add(NAME + "\u0000" + ns + "\u0000" + s);
    return keys;
  }

  /** {@link #countMatching(NodeInfo, LabelSelector, String)} memoised on the node under {@code key}. */
  private static long countMatching(NodeInfo n, LabelSelector selector, String ns, String key) {
    return n.pods().isEmpty() ? 0 : n.podCount(key, node -> countMatching(node, selector, ns));
  }

  /** upstream's countPodsMatchSelector: terminating pods and other namespaces do not count. */
  private static long countMatching(NodeInfo n, LabelSelector selector, String ns) {
    long count = 0;
    for (NodeInfo.PodInfo p : n.pods()) {
      Pod other = p.pod();
      if (other.getMetadata().getDeletionTimestamp() == null && ns.equals(other.getMetadata().getNamespace())
          && LabelSelectors.matches(selector, other.getMetadata().getLabels())) {
        count++;
      }
    }
    return count;
  }

  @Override
  public Status filter(CycleState cycle, Pod pod, NodeInfo node) {
    State state = cycle.read(STATE_KEY, State.class);
    if (state == null) return Status.success();
    Map<String, String> labels = node.labels();
    for (Constraint c : state.constraints()) {
      String domain = labels.get(c.topologyKey());
      if (domain == null) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      long skew = c.counts().applyAsLong(domain) + (c.selfMatch() ? 1 : 0) - c.minMatch();
      if (skew > c.maxSkew()) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return Status.success();
  }

  @Override
  public Status preScore(CycleState cycle, Pod pod, List<NodeInfo> nodes) {
    List<TopologySpreadConstraint> soft = new ArrayList<>();
    if (pod.getSpec().getTopologySpreadConstraints() != null) {
      for (TopologySpreadConstraint c : pod.getSpec().getTopologySpreadConstraints()) {
        if ("ScheduleAnyway".equals(c.getWhenUnsatisfiable())) soft.add(c);
      }
    }
    if (soft.isEmpty() || nodes.isEmpty()) return Status.skip();
    List<String> keys = soft.stream().map(TopologySpreadConstraint::getTopologyKey).toList();
    List<LabelSelector> selectors = new ArrayList<>();
    List<Map<String, Long>> counts = new ArrayList<>();
    for (TopologySpreadConstraint c : soft) {
      selectors.add(selector(c, pod));
      counts.add(new HashMap<>());
    }
    // The domains are those of the feasible nodes; with our own constraints (no system defaults)
    // a node must carry every topology key, else it is ignored.
    Set<String> ignored = new HashSet<>();
    for (NodeInfo n : nodes) {
      if (!hasAll(n, keys)) {
        ignored.add(n.name());
        continue;
      }
      for (int i = 0; i < soft.size(); i++) {
        String key = soft.get(i).getTopologyKey();
        if (!LABEL_HOSTNAME.equals(key)) counts.get(i).putIfAbsent(n.labels().get(key), 0L);
      }
    }
    double[] weights = new double[soft.size()];
    for (int i = 0; i < soft.size(); i++) {
      int size = LABEL_HOSTNAME.equals(soft.get(i).getTopologyKey()) ? nodes.size() - ignored.size() : counts.get(i).size();
      weights[i] = Math.log(size + 2);
    }
    AllNodes all = cycle.read(ALL_NODES_KEY, AllNodes.class);
    String ns = pod.getMetadata().getNamespace();
    List<String> countKeys = countKeys(selectors, ns);
    for (NodeInfo n : all == null ? nodes : all.nodes()) {
      if (n.node() == null || !hasAll(n, keys)) continue;
      for (int i = 0; i < soft.size(); i++) {
        if (!matchNodeInclusionPolicies(pod, n, soft.get(i))) continue;
        Map<String, Long> domains = counts.get(i);
        String value = n.labels().get(soft.get(i).getTopologyKey());
        // Domains with no feasible node do not matter; hostname counts are taken in Score.
        if (!domains.containsKey(value)) continue;
        long matching = countMatching(n, selectors.get(i), ns, countKeys.get(i));
        if (matching > 0) domains.merge(value, matching, Long::sum);
      }
    }
    cycle.write(PRE_SCORE_STATE_KEY, new ScoreState(soft, selectors, ignored, counts, weights));
    return Status.success();
  }

  @Override
  public long score(CycleState cycle, Pod pod, NodeInfo node) {
    ScoreState s = cycle.read(PRE_SCORE_STATE_KEY, ScoreState.class);
    if (s == null) return 0;
    if (s.ignoredNodes().contains(node.name())) return INVALID_SCORE;
    Map<String, String> labels = node.labels();
    double score = 0;
    for (int i = 0; i < s.constraints().size(); i++) {
      TopologySpreadConstraint c = s.constraints().get(i);
      String value = labels.get(c.getTopologyKey());
      if (value == null) continue;
      long count = LABEL_HOSTNAME.equals(c.getTopologyKey())
          ? countMatching(node, s.selectors().get(i), pod.getMetadata().getNamespace())
          : s.counts().get(i).getOrDefault(value, 0L);
      // maxSkew - 1 waters down the differences between domains: a larger skew is tolerated more.
      score += count * s.normalizingWeights()[i] + (c.getMaxSkew() - 1);
    }
    return Math.round(score);
  }

  /** Fewer matching pods is better: the lowest raw score maps to 100; all zero means all 100. */
  @Override
  public void normalizeScore(CycleState cycle, Pod pod, long[] scores) {
    if (cycle.read(PRE_SCORE_STATE_KEY, ScoreState.class) == null) return;
    long min = Long.MAX_VALUE;
    long max = 0;
    for (long s : scores) {
      if (s == INVALID_SCORE) continue;
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] == INVALID_SCORE) {
        scores[i] = 0;
      } else if (max == 0) {
        scores[i] = MAX_NODE_SCORE;
      } else {
        scores[i] = MAX_NODE_SCORE * (max + min - scores[i]) / max;
      }
    }
  }
}
