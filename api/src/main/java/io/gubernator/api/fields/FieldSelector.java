package io.gubernator.api.fields;

import io.gubernator.api.labels.SelectorException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A parsed field selector ({@code metadata.name=foo,status.phase!=Running}): the AND of equality and
 * inequality terms. Values may escape {@code \}, {@code ,} and {@code =} with a backslash, as in Kubernetes'
 * {@code fields.EscapeValue}. Immutable and thread-safe.
 */
public final class FieldSelector {

  /** Field selector operators. {@code =} and {@code ==} mean the same; both report {@link #EQUALS}. */
  public enum Operator {
    EQUALS("="),
    NOT_EQUALS("!=");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }
  }

  /** One term: the field path (as written), the operator and the unescaped value. */
  public record Requirement(String field, Operator operator, String value) {

    public Requirement {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(operator, "operator");
      Objects.requireNonNull(value, "value");
    }

    public boolean matches(Function<String, String> fieldValue) {
      String actual = fieldValue.apply(field);
      boolean equal = value.equals(actual == null ? "" : actual);
      return operator == Operator.EQUALS ? equal : !equal;
    }

    @Override
    public String toString() {
      return field + operator.symbol() + escapeValue(value);
    }
  }

  private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

  private final List<Requirement> requirements;

  private FieldSelector(List<Requirement> requirements) {
    this.requirements = requirements;
  }

  public static FieldSelector everything() {
    return EVERYTHING;
  }

  /** Equality terms for every entry of the map, in key order. */
  public static FieldSelector fromSet(Map<String, String> fields) {
    if (fields == null || fields.isEmpty()) {
      return EVERYTHING;
    }
    return new FieldSelector(fields.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> new Requirement(e.getKey(), Operator.EQUALS, e.getValue()))
        .toList());
  }

  /**
   * Parses a comma-separated list of {@code field=value}, {@code field==value} or {@code field!=value}
   * terms. Terms are sorted as strings (as Kubernetes does) and empty terms skipped; null or "" selects
   * everything.
   *
   * @throws SelectorException for a term with no operator or a bad escape in a value
   */
  public static FieldSelector parse(String selector) {
    if (selector == null || selector.isEmpty()) {
      return EVERYTHING;
    }
    List<String> terms = splitTerms(selector);
    terms.sort(null);
    List<Requirement> reqs = new ArrayList<>();
    for (String term : terms) {
      if (term.isEmpty()) {
        continue;
      }
      Requirement r = splitTerm(term);
      if (r == null) {
        throw new SelectorException("invalid selector: '" + selector + "'; can't understand '" + term + "'");
      }
      reqs.add(r);
    }
    return reqs.isEmpty() ? EVERYTHING : new FieldSelector(List.copyOf(reqs));
  }

  /** True when every term matches; a field whose getter returns null compares as "". */
  public boolean matches(Function<String, String> fieldValue) {
    for (Requirement r : requirements) {
      if (!r.matches(fieldValue)) {
        return false;
      }
    }
    return true;
  }

  /** Convenience for a map of already extracted field values (absent = ""). */
  public boolean matches(Map<String, String> fields) {
    return matches(fields::get);
  }

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  public List<Requirement> requirements() {
    return requirements;
  }

  /** The value an equality term pins for {@code field}, or null. */
  public String requiresExactMatch(String field) {
    for (Requirement r : requirements) {
      if (r.operator() == Operator.EQUALS && r.field().equals(field)) {
        return r.value();
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return String.join(",", requirements.stream().map(Requirement::toString).toList());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldSelector other && requirements.equals(other.requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode();
  }

  /** Escapes a value so that it survives {@link #parse}. */
  public static String escapeValue(String value) {
    StringBuilder sb = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == ',' || c == '=') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  /**
   * Reverses {@link #escapeValue}; an unescaped {@code ,} or {@code =} and an unknown or dangling escape
   * are errors.
   */
  public static String unescapeValue(String value) {
    if (value.indexOf('\\') < 0 && value.indexOf(',') < 0 && value.indexOf('=') < 0) {
      return value;
    }
    StringBuilder sb = new StringBuilder(value.length());
    boolean inEscape = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (inEscape) {
        if (c != '\\' && c != ',' && c != '=') {
          throw new SelectorException("invalid field selector: invalid escape sequence: \\" + c);
        }
        sb.append(c);
        inEscape = false;
      } else if (c == '\\') {
        inEscape = true;
      } else if (c == ',' || c == '=') {
        // Kubernetes prints the rune with %v, i.e. as its code point number.
        throw new SelectorException("invalid field selector: unescaped character in value: " + (int) c);
      } else {
        sb.append(c);
      }
    }
    if (inEscape) {
      throw new SelectorException("invalid field selector: invalid escape sequence: \\");
    }
    return sb.toString();
  }

  /** Splits on commas that are not escaped; escapes stay in the pieces. */
  private static List<String> splitTerms(String s) {
    List<String> terms = new ArrayList<>();
    int start = 0;
    boolean inEscape = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inEscape) {
        inEscape = false;
      } else if (c == '\\') {
        inEscape = true;
      } else if (c == ',') {
        terms.add(s.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(s.substring(start));
    return terms;
  }

  /**
   * Splits at the first operator occurrence, preferring {@code !=} then {@code ==} then {@code =} at a
   * position. Like Kubernetes, escapes are not considered here: only the value is unescaped.
   */
  private static Requirement splitTerm(String term) {
    for (int i = 0; i < term.length(); i++) {
      String field = term.substring(0, i);
      if (term.startsWith("!=", i)) {
        return new Requirement(field, Operator.NOT_EQUALS, unescapeValue(term.substring(i + 2)));
      }
      if (term.startsWith("==", i)) {
        return new Requirement(field, Operator.EQUALS, unescapeValue(term.substring(i + 2)));
      }
      if (term.charAt(i) == '=') {
        return new Requirement(field, Operator.EQUALS, unescapeValue(term.substring(i + 1)));
      }
    }
    return null;
  }
}
