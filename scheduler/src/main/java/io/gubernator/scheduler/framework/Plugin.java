package io.gubernator.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * A scheduling plugin, and the extension points it may implement: each a single method returning
 * a {@link Status}, as in Kubernetes' framework, so that the core stays a loop over plugins.
 */
public interface Plugin {

  String name();

  /** Orders the active queue; the profile has exactly one. */
  interface QueueSort extends Plugin {
    boolean less(QueuedPodInfo a, QueuedPodInfo b);
  }

  /** Computes per-pod data once, or rejects the pod before any node is looked at. */
  interface PreFilter extends Plugin {
    Status preFilter(CycleState state, Pod pod, PodRequests requests, List<NodeInfo> nodes);
  }

  /** Whether the pod can run on one node. Must be safe to call concurrently for different nodes. */
  interface Filter extends Plugin {
    Status filter(CycleState state, Pod pod, NodeInfo node);
  }

  /** Runs when no node passed the filters (preemption lives here). Its message joins the failure's. */
  interface PostFilter extends Plugin {
    /** {@code fwk} is the running profile (upstream's Handle), to re-run filters on what-if nodes. */
    Status postFilter(Framework fwk, CycleState state, Pod pod, List<NodeInfo> nodes, Map<String, Status> filtered);
  }

  /** Prepares scoring over the feasible nodes. */
  interface PreScore extends Plugin {
    Status preScore(CycleState state, Pod pod, List<NodeInfo> nodes);
  }

  /** Ranks a feasible node; larger is better. */
  interface Score extends Plugin {
    long score(CycleState state, Pod pod, NodeInfo node);

    /** Maps the raw scores (index-aligned with {@code nodes}) into [0, 100]; none by default. */
    default void normalizeScore(CycleState state, Pod pod, long[] scores) {
    }
  }

  /** Claims resources for the chosen node before binding; unreserve undoes it on failure. */
  interface Reserve extends Plugin {
    Status reserve(CycleState state, Pod pod, String nodeName);

    void unreserve(CycleState state, Pod pod, String nodeName);
  }

  /** Approves, denies or (not yet supported) delays the binding. */
  interface Permit extends Plugin {
    Status permit(CycleState state, Pod pod, String nodeName);
  }

  /** Binds the pod to the node through the API; SKIP lets the next bind plugin do it. */
  interface Bind extends Plugin {
    Status bind(CycleState state, Pod pod, String nodeName);
  }

  /** Kubernetes' MaxNodeScore: normalised scores lie in [0, 100]. */
  long MAX_NODE_SCORE = 100;

  /**
   * framework's DefaultNormalizeScore: scales scores so the best node gets 100, or, reversed, so
   * the lowest raw score gets 100 (used when fewer is better, as with intolerable taints).
   */
  static void defaultNormalize(long[] scores, boolean reverse) {
    long max = 0;
    for (long s : scores) max = Math.max(max, s);
    if (max == 0) {
      if (reverse) java.util.Arrays.fill(scores, MAX_NODE_SCORE);
      return;
    }
    for (int i = 0; i < scores.length; i++) {
      long s = MAX_NODE_SCORE * scores[i] / max;
      scores[i] = reverse ? MAX_NODE_SCORE - s : s;
    }
  }
}
