package io.gubernator.scheduler.framework;

import java.util.List;

/**
 * The snapshot's nodes and its {@link DomainCounts}: sums per topology domain that outlive the
 * cycle, so that inter-pod affinity and topology spread need not walk thousands of nodes per pod.
 *
 * <p>The scheduler writes it into the {@link CycleState} under {@link #KEY}; a plugin may use it
 * only for the very node list it was given ({@code all}), not for lists built from it.
 */
public record NodeLists(List<NodeInfo> all, DomainCounts domainCounts) {
  public static final String KEY = "NodeLists";

  /** The lists for exactly {@code nodes}, or null when the cycle has none for it. */
  public static NodeLists of(CycleState state, List<NodeInfo> nodes) {
    NodeLists lists = state.read(KEY, NodeLists.class);
    return lists != null && lists.all() == nodes ? lists : null;
  }
}
