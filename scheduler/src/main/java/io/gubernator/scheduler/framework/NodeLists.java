package io.gubernator.scheduler.framework;

import java.util.List;

/**
 * The snapshot's nodes and, as upstream's shared lister keeps them, the nodes that have pods with
 * any pod (anti-)affinity and those with pods with required anti-affinity. Inter-pod affinity
 * visits only these when the incoming pod has no terms of its own: with thousands of nodes,
 * walking all of them twice per cycle cost more than the filtering. With them, the snapshot's
 * {@link DomainCounts}: sums per topology domain that outlive the cycle.
 *
 * <p>The scheduler writes it into the {@link CycleState} under {@link #KEY}; a plugin may use it
 * only for the very node list it was given ({@code all}), not for lists built from it.
 */
public record NodeLists(List<NodeInfo> all, List<NodeInfo> havePodsWithAffinity, List<NodeInfo> havePodsWithRequiredAntiAffinity,
    DomainCounts domainCounts) {
  public static final String KEY = "NodeLists";

  /** The lists for exactly {@code nodes}, or null when the cycle has none for it. */
  public static NodeLists of(CycleState state, List<NodeInfo> nodes) {
    NodeLists lists = state.read(KEY, NodeLists.class);
    return lists != null && lists.all() == nodes ? lists : null;
  }
}
