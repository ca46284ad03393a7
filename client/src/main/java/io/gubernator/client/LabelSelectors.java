package io.gubernator.client;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/**
 * A {@code metav1.LabelSelector} from an object's spec evaluated against a label set, as
 * Kubernetes' {@code LabelSelectorAsSelector} does: every matchLabels pair and every
 * matchExpression must hold. The API server's own selectors (query strings) are parsed by
 * {@code io.gubernator.api.labels.LabelSelector}.
 */
public final class LabelSelectors {

  private LabelSelectors() {}

  /**
   * Whether {@code labels} match {@code selector}. A null selector matches nothing and an empty one
   * everything, as in Kubernetes (validation rejects both where they would be mistakes).
   */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) return false;
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null && !hasAll(l, selector.getMatchLabels())) return false;
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r, l)) return false;
      }
    }
    return true;
  }

  private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    return setBased(r.getOperator(), labels.get(r.getKey()), r.getValues());
  }

  /**
   * One set-based requirement on a label whose value is {@code value} (null when absent): In,
   * NotIn, Exists, DoesNotExist. Any other operator is a requirement that cannot be satisfied, as a
   * parse error is in Kubernetes; node selectors add Gt and Lt on top.
   */
  public static boolean setBased(String operator, String value, List<String> values) {
    List<String> v = values == null ? List.of() : values;
    return switch (operator) {
      case "In" -> value != null && v.contains(value);
      case "NotIn" -> value == null || !v.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> false;
    };
  }

  /** Whether every pair of {@code set} is on {@code labels} with the same value (a selector made from a label set). */
  public static boolean hasAll(Map<String, String> labels, Map<String, String> set) {
    if (set == null) return true;
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (Map.Entry<String, String> e : set.entrySet()) {
      if (!e.getValue().equals(l.get(e.getKey()))) return false;
    }
    return true;
  }
}
