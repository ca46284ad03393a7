package io.gubernator.scheduler.framework.plugins.helper;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/** Kubernetes' Toleration.ToleratesTaint, shared by the taint and unschedulable plugins. */
public final class Taints {

  private Taints() {
  }

  public static boolean tolerates(Toleration t, Taint taint) {
    if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) return false;
    String key = t.getKey() == null ? "" : t.getKey();
    // An empty key with operator Exists matches every taint.
    if (!key.isEmpty() && !key.equals(taint.getKey())) return false;
    String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
    return switch (op) {
      case "Exists" -> true;
      case "Equal" -> nullToEmpty(t.getValue()).equals(nullToEmpty(taint.getValue()));
      default -> false;
    };
  }

  public static boolean tolerated(List<Toleration> tolerations, Taint taint) {
    if (tolerations == null) return false;
    for (Toleration t : tolerations) {
      if (tolerates(t, taint)) return true;
    }
    return false;
  }

  /**
   * The first of {@code taints} with effect NoSchedule or NoExecute that {@code tolerations} do not
   * tolerate, or null: upstream's FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc,
   * shared by the taint filter and topology spread's nodeTaintsPolicy.
   */
  public static Taint untoleratedDoNotSchedule(List<Taint> taints, List<Toleration> tolerations) {
    for (Taint t : taints) {
      if (("NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect())) && !tolerated(tolerations, t)) return t;
    }
    return null;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
