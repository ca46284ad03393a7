package io.gubernator.scheduler.framework.plugins.helper;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.gubernator.client.LabelSelectors;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' node selector terms (component-helpers nodeaffinity): a term matches when all its
 * matchExpressions (on labels) and matchFields (only metadata.name) hold; a term with neither
 * matches nothing; a list of terms matches when any term does.
 */
public final class NodeSelectors {

  private NodeSelectors() {
  }

  public static boolean anyTermMatches(List<NodeSelectorTerm> terms, Node node) {
    if (terms == null) return false;
    for (NodeSelectorTerm t : terms) {
      if (termMatches(t, node)) return true;
    }
    return false;
  }

  public static boolean termMatches(NodeSelectorTerm term, Node node) {
    if (term == null) return false;
    List<NodeSelectorRequirement> exprs = term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
    List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
    if (exprs.isEmpty() && fields.isEmpty()) return false;
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    for (NodeSelectorRequirement r : exprs) {
      if (!requirementMatches(r, labels)) return false;
    }
    for (NodeSelectorRequirement r : fields) {
      // metadata.name is the only supported field; anything else is rejected by validation.
      if (!"metadata.name".equals(r.getKey())) return false;
      if (!requirementMatches(r, Map.of("metadata.name", node.getMetadata().getName()))) return false;
    }
    return true;
  }

  static boolean requirementMatches(NodeSelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "Gt", "Lt" -> {
        if (value == null || values.size() != 1) yield false;
        try {
          long have = Long.parseLong(value);
          long bound = Long.parseLong(values.get(0));
          yield r.getOperator().equals("Gt") ? have > bound : have < bound;
        } catch (NumberFormatException e) {
          yield false;
        }
      }
      default -> LabelSelectors.setBased(r.getOperator(), value, values);
    };
  }
}
