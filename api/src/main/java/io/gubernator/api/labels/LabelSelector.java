package io.gubernator.api.labels;

import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A parsed, validated label selector: the AND of its {@link Requirement}s, sorted by key as Kubernetes does.
 * Immutable and thread-safe.
 *
 * <p>There are two selectors with no requirements: {@link #everything()} (empty, matches all labels) and
 * {@link #nothing()} (what a {@code null} API selector means, matches no labels and is not empty).
 */
public final class LabelSelector {

  private static final LabelSelector EVERYTHING = new LabelSelector(List.of(), false);
  private static final LabelSelector NOTHING = new LabelSelector(List.of(), true);

  private final List<Requirement> requirements;
  private final boolean nothing;

  private LabelSelector(List<Requirement> requirements, boolean nothing) {
    this.requirements = requirements;
    this.nothing = nothing;
  }

  public static LabelSelector everything() {
    return EVERYTHING;
  }

  public static LabelSelector nothing() {
    return NOTHING;
  }

  /**
   * Parses the string syntax ({@code a=b,c!=d,e in (f,g),h notin (i),j,!k}, plus {@code l>1} and {@code m<2}).
   * A null or blank string selects everything.
   *
   * @throws SelectorException with Kubernetes' message on bad syntax, keys or values
   */
  public static LabelSelector parse(String selector) {
    if (selector == null) {
      return EVERYTHING;
    }
    return of(SelectorParser.parse(selector));
  }

  /** A selector from already validated requirements; sorts them by key (stable). */
  public static LabelSelector of(List<Requirement> requirements) {
    if (requirements.isEmpty()) {
      return EVERYTHING;
    }
    List<Requirement> sorted = new ArrayList<>(requirements);
    sorted.sort(Comparator.comparing(Requirement::key));
    return new LabelSelector(List.copyOf(sorted), false);
  }

  /** Equality requirements for every entry; a null or empty map selects everything. */
  public static LabelSelector fromSet(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) {
      return EVERYTHING;
    }
    List<Requirement> reqs = new ArrayList<>();
    new TreeMap<>(labels).forEach((k, v) -> reqs.add(Requirement.of(k, Operator.EQUALS, List.of(v))));
    return of(reqs);
  }

  /**
   * Converts an API {@code LabelSelector} the way {@code metav1.LabelSelectorAsSelector} does: null selects
   * nothing, no matchLabels and no matchExpressions selects everything; operators are In, NotIn, Exists and
   * DoesNotExist.
   *
   * @throws SelectorException for an unknown operator or an invalid key, value or value count
   */
  public static LabelSelector from(io.fabric8.kubernetes.api.model.LabelSelector selector) {
    if (selector == null) {
      return NOTHING;
    }
    Map<String, String> matchLabels = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    List<LabelSelectorRequirement> exprs =
        selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
    if (matchLabels.isEmpty() && exprs.isEmpty()) {
      return EVERYTHING;
    }
    List<Requirement> reqs = new ArrayList<>();
    new TreeMap<>(matchLabels).forEach((k, v) ->
        reqs.add(Requirement.of(k, Operator.EQUALS, List.of(v == null ? "" : v))));
    for (LabelSelectorRequirement expr : exprs) {
      if (expr == null) {
        continue;
      }
      String opName = expr.getOperator() == null ? "" : expr.getOperator();
      Operator op = switch (opName) {
        case "In" -> Operator.IN;
        case "NotIn" -> Operator.NOT_IN;
        case "Exists" -> Operator.EXISTS;
        case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
        default -> throw new SelectorException(
            io.gubernator.api.validation.FieldError.goQuote(opName) + " is not a valid label selector operator");
      };
      List<String> values = expr.getValues() == null ? List.of()
          : expr.getValues().stream().map(v -> v == null ? "" : v).toList();
      reqs.add(Requirement.of(expr.getKey() == null ? "" : expr.getKey(), op, values));
    }
    return of(reqs);
  }

  /** Whether the labels satisfy every requirement; a null map is treated as no labels. */
  public boolean matches(Map<String, String> labels) {
    if (nothing) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (Requirement r : requirements) {
      if (!r.matches(l)) {
        return false;
      }
    }
    return true;
  }

  /** True when the selector does not restrict anything (false for {@link #nothing()}). */
  public boolean isEmpty() {
    return !nothing && requirements.isEmpty();
  }

  /** True for the selector that matches no object at all. */
  public boolean isNothing() {
    return nothing;
  }

  public List<Requirement> requirements() {
    return requirements;
  }

  /**
   * The value a selector requires for {@code label} when it pins exactly one ({@code =}, {@code ==}, or
   * {@code in} with one value), else null. Useful for index lookups.
   */
  public String requiresExactMatch(String label) {
    for (Requirement r : requirements) {
      if (r.key().equals(label)) {
        return switch (r.operator()) {
          case EQUALS, DOUBLE_EQUALS, IN -> r.values().size() == 1 ? r.values().get(0) : null;
          default -> null;
        };
      }
    }
    return null;
  }

  /** Canonical form: requirements joined by commas, in key order; "" for everything and nothing. */
  @Override
  public String toString() {
    return String.join(",", requirements.stream().map(Requirement::toString).toList());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelSelector other && nothing == other.nothing && requirements.equals(other.requirements);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requirements, nothing);
  }
}
