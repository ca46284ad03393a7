package io.gubernator.controllers;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** {@code metav1.LabelSelectorAsSelector} evaluated against a label set. */
public final class Selectors {

  private Selectors() {}

  /**
   * Whether {@code labels} match {@code selector}. A null selector matches nothing and an empty one
   * everything, as in Kubernetes (workload validation rejects both before they get here).
   */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) return false;
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) return false;
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r, l)) return false;
      }
    }
    return true;
  }

  private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> labels.containsKey(r.getKey());
      case "DoesNotExist" -> !labels.containsKey(r.getKey());
      // An unknown operator is a selector that cannot be satisfied, as a parse error is in Kubernetes.
      default -> false;
    };
  }

  /** Whether every label of {@code template} is on {@code labels} with the same value (fullyLabeledReplicas). */
  public static boolean hasAll(Map<String, String> labels, Map<String, String> template) {
    if (template == null) return true;
    Map<String, String> l = labels == null ? Map.of() : labels;
    return template.entrySet().stream().allMatch(e -> e.getValue().equals(l.get(e.getKey())));
  }
}
