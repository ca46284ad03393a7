package io.gubernator.scheduler.framework;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;

/**
 * Matching pods summed per topology domain over a snapshot's nodes, kept current as the snapshot
 * changes: a cycle reads the sums instead of walking every node. PodTopologySpread's PreFilter
 * asked the same question of all 5,000 nodes for every pod (most of the scheduling thread in the
 * topology-spreading benchmark); now the first pod to ask pays the walk, and each later snapshot
 * update adjusts the sums for the few nodes it replaced.
 *
 * <p>A question is named by a key that must determine its two functions: which domain a node
 * counts in (null: not counted) and how many of its pods match. Node copies in a snapshot never
 * change, so subtracting an old copy's contribution and adding the new one's keeps the sums exact.
 * Owned by the snapshot and used by the scheduling thread alone; the questions asked least
 * recently are forgotten beyond {@link #MAX_QUESTIONS}, since every one costs upkeep per update.
 */
public final class DomainCounts {

  static final int MAX_QUESTIONS = 32;

  /**
   * What one node adds to a question's sums: any number of (domain, count) pairs. Must give the
   * same pairs every time it is asked about the same node copy.
   */
  @FunctionalInterface
  public interface Contributions {
    void of(NodeInfo node, ObjLongConsumer<Object> emit);
  }

  /** The sums of one question. */
  public static final class Sums {
    private final Contributions contributions;
    private final Map<Object, Domain> domains = new HashMap<>();
    /** How many domains hold each count of matching pods: the minimum without a walk. */
    private final TreeMap<Long, Integer> histogram = new TreeMap<>();
    private long total;

    private static final class Domain {
      long matching;
      int nodes;
    }

    Sums(Contributions contributions) {
      this.contributions = contributions;
    }

    /** Matching pods in {@code domain}; 0 for a domain no counted node is in. */
    public long matching(Object domain) {
      Domain d = domains.get(domain);
      return d == null ? 0 : d.matching;
    }

    /** Domains with at least one counted node (one contribution). */
    public int size() {
      return domains.size();
    }

    /** Matching pods over all domains. */
    public long total() {
      return total;
    }

    /** The least matching count over the domains; 0 when there are none. */
    public long min() {
      return histogram.isEmpty() ? 0 : histogram.firstKey();
    }

    void add(NodeInfo n, int sign) {
      if (n.node() != null) contributions.of(n, (domain, count) -> add(domain, count, sign));
    }

    private void add(Object value, long count, int sign) {
      Domain d = domains.computeIfAbsent(value, k -> new Domain());
      if (d.nodes > 0) histogram.compute(d.matching, (k, v) -> v == 1 ? null : v - 1);
      d.matching += sign * count;
      total += sign * count;
      d.nodes += sign;
      if (d.nodes == 0) domains.remove(value);
      else histogram.merge(d.matching, 1, Integer::sum);
    }
  }

  private final Map<String, Sums> questions = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Sums> eldest) {
      return size() > MAX_QUESTIONS;
    }
  };
  private final List<NodeInfo> nodes;

  /** Sums over {@code nodes}, the snapshot's own list, which {@link #replace} keeps in step. */
  public DomainCounts(List<NodeInfo> nodes) {
    this.nodes = nodes;
  }

  /**
   * The sums for {@code key} of each node's matching pods in the domain it is in (nodes in no
   * domain, null, do not count), walking the nodes only the first time it is asked (or after it
   * was forgotten).
   */
  public Sums sums(String key, Function<NodeInfo, String> domainOf, ToLongFunction<NodeInfo> matchingOn) {
    return sums(key, (n, emit) -> {
      String domain = domainOf.apply(n);
      if (domain != null) emit.accept(domain, matchingOn.applyAsLong(n));
    });
  }

  /** The sums for {@code key} of what each node contributes, walking the nodes only when first asked. */
  public Sums sums(String key, Contributions contributions) {
    Sums s = questions.get(key);
    if (s == null) {
      s = new Sums(contributions);
      for (NodeInfo n : nodes) s.add(n, 1);
      questions.put(key, s);
    }
    return s;
  }

  /** The snapshot replaced {@code old} with {@code copy} (same node, newer state). */
  public void replace(NodeInfo old, NodeInfo copy) {
    for (Sums s : questions.values()) {
      s.add(old, -1);
      s.add(copy, 1);
    }
  }

  /** The node list was rebuilt (nodes came or went): every sum is recomputed when next asked. */
  public void clear() {
    questions.clear();
  }
}
