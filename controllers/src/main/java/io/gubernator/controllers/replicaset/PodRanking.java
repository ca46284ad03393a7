package io.gubernator.controllers.replicaset;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Which pods a ReplicaSet deletes first when it scales down, in Kubernetes' {@code
 * ActivePodsWithRanks} order: unscheduled before scheduled, pending before unknown before
 * running, not ready before ready, lower {@code controller.kubernetes.io/pod-deletion-cost}
 * first, more recently ready first, more restarts first, newer first. (Kubernetes also ranks by
 * how many sibling pods share a node; with no nodes yet that rank is equal for all pods.)
 */
final class PodRanking {

  static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

  private PodRanking() {}

  static final Comparator<Pod> DELETE_FIRST = Comparator
      .comparing((Pod p) -> p.getSpec() != null && p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty())
      .thenComparingInt(PodRanking::phaseRank)
      .thenComparing(PodRanking::isReady)
      .thenComparingInt(PodRanking::deletionCost)
      // Ready longer is kept: a later ready time sorts first (null, never ready, handled above).
      .thenComparing(PodRanking::readySince, Comparator.nullsLast(Comparator.reverseOrder()))
      .thenComparing(PodRanking::restarts, Comparator.reverseOrder())
      .thenComparing(PodRanking::created, Comparator.nullsFirst(Comparator.reverseOrder()));

  private static int phaseRank(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    if (phase == null || phase.isEmpty() || phase.equals("Pending")) return 0;
    if (phase.equals("Unknown")) return 1;
    return 2;
  }

  static boolean isReady(Pod p) {
    return readyCondition(p) != null && "True".equals(readyCondition(p).getStatus());
  }

  static PodCondition readyCondition(Pod p) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) return null;
    for (PodCondition c : p.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) return c;
    }
    return null;
  }

  /** Ready and for at least {@code minReadySeconds} at {@code now} ({@code podutil.IsPodAvailable}). */
  static boolean isAvailable(Pod p, int minReadySeconds, Instant now) {
    if (!isReady(p)) return false;
    if (minReadySeconds == 0) return true;
    Instant since = readySince(p);
    return since != null && !since.plusSeconds(minReadySeconds).isAfter(now);
  }

  private static int deletionCost(Pod p) {
    Map<String, String> a = p.getMetadata().getAnnotations();
    if (a == null || !a.containsKey(DELETION_COST)) return 0;
    try {
      return Integer.parseInt(a.get(DELETION_COST));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static Instant readySince(Pod p) {
    PodCondition c = readyCondition(p);
    if (c == null || !"True".equals(c.getStatus()) || c.getLastTransitionTime() == null) return null;
    return parse(c.getLastTransitionTime());
  }

  private static int restarts(Pod p) {
    if (p.getStatus() == null) return 0;
    List<ContainerStatus> cs = p.getStatus().getContainerStatuses();
    return cs == null ? 0 : cs.stream().mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount()).max().orElse(0);
  }

  private static Instant created(Pod p) {
    return parse(p.getMetadata().getCreationTimestamp());
  }

  private static Instant parse(String t) {
    if (t == null || t.isEmpty()) return null;
    try {
      return Instant.parse(t);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
