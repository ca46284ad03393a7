package io.gubernator.api.labels;

import io.gubernator.api.validation.FieldError;
import io.gubernator.api.validation.NameValidation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One clause of a label selector: a key, an operator and its values. Instances made through
 * {@link #of} are validated; the record constructor only copies.
 */
public record Requirement(String key, Operator operator, List<String> values) {

  public Requirement {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(operator, "operator");
    values = List.copyOf(values);
  }

  /**
   * A validated requirement, following Kubernetes' {@code labels.NewRequirement} rules: the key must be a
   * qualified name, {@code in}/{@code notin} need at least one value, equality operators exactly one,
   * existence operators none, {@code gt}/{@code lt} one integer; every value must be a valid label value.
   *
   * @throws SelectorException with all problems, aggregated the way Kubernetes prints them
   */
  public static Requirement of(String key, Operator operator, List<String> values) {
    List<FieldError> errors = validate(key, operator, values);
    if (!errors.isEmpty()) {
      throw new SelectorException(aggregate(errors));
    }
    return new Requirement(key, operator, values);
  }

  static List<FieldError> validate(String key, Operator operator, List<String> values) {
    List<FieldError> errs = new ArrayList<>();
    List<String> keyErrs = NameValidation.isQualifiedName(key);
    if (!keyErrs.isEmpty()) {
      errs.add(FieldError.invalid("key", key, String.join("; ", keyErrs)));
    }
    switch (operator) {
      case IN, NOT_IN -> {
        if (values.isEmpty()) {
          errs.add(FieldError.invalidJson("values", jsonList(values),
              "for 'in', 'notin' operators, values set can't be empty"));
        }
      }
      case EQUALS, DOUBLE_EQUALS, NOT_EQUALS -> {
        if (values.size() != 1) {
          errs.add(FieldError.invalidJson("values", jsonList(values),
              "exact-match compatibility requires one single value"));
        }
      }
      case EXISTS, DOES_NOT_EXIST -> {
        if (!values.isEmpty()) {
          errs.add(FieldError.invalidJson("values", jsonList(values),
              "values set must be empty for exists and does not exist"));
        }
      }
      case GREATER_THAN, LESS_THAN -> {
        if (values.size() != 1) {
          errs.add(FieldError.invalidJson("values", jsonList(values),
              "for 'Gt', 'Lt' operators, exactly one value is required"));
        }
        for (int i = 0; i < values.size(); i++) {
          if (parseLong(values.get(i)) == null) {
            errs.add(FieldError.invalid("values[" + i + "]", values.get(i),
                "for 'Gt', 'Lt' operators, the value must be an integer"));
          }
        }
      }
    }
    for (int i = 0; i < values.size(); i++) {
      List<String> valueErrs = NameValidation.isValidLabelValue(values.get(i));
      if (!valueErrs.isEmpty()) {
        errs.add(FieldError.invalid("values[" + i + "][" + key + "]", values.get(i), String.join("; ", valueErrs)));
      }
    }
    return errs;
  }

  /** Whether the labels (never null here) satisfy this requirement. */
  public boolean matches(Map<String, String> labels) {
    String actual = labels.get(key);
    boolean present = actual != null || labels.containsKey(key);
    return switch (operator) {
      case IN, EQUALS, DOUBLE_EQUALS -> present && values.contains(actual);
      case NOT_IN, NOT_EQUALS -> !present || !values.contains(actual);
      case EXISTS -> present;
      case DOES_NOT_EXIST -> !present;
      case GREATER_THAN, LESS_THAN -> {
        if (!present || values.size() != 1) {
          yield false;
        }
        Long have = parseLong(actual);
        Long want = parseLong(values.get(0));
        if (have == null || want == null) {
          yield false;
        }
        yield operator == Operator.GREATER_THAN ? have > want : have < want;
      }
    };
  }

  /** Kubernetes' canonical rendering: values sorted, {@code !key}, {@code key in (a,b)}, {@code key>3}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (operator == Operator.DOES_NOT_EXIST) {
      sb.append('!');
    }
    sb.append(key);
    switch (operator) {
      case EXISTS, DOES_NOT_EXIST -> {
        return sb.toString();
      }
      case EQUALS -> sb.append('=');
      case DOUBLE_EQUALS -> sb.append("==");
      case NOT_EQUALS -> sb.append("!=");
      case IN -> sb.append(" in (");
      case NOT_IN -> sb.append(" notin (");
      case GREATER_THAN -> sb.append('>');
      case LESS_THAN -> sb.append('<');
    }
    sb.append(String.join(",", values.stream().sorted().toList()));
    if (operator == Operator.IN || operator == Operator.NOT_IN) {
      sb.append(')');
    }
    return sb.toString();
  }

  /** Go's {@code utilerrors.Aggregate} formatting: one message alone, several in brackets, duplicates once. */
  static String aggregate(List<FieldError> errors) {
    List<String> msgs = new ArrayList<>(new LinkedHashSet<>(errors.stream().map(FieldError::message).toList()));
    return msgs.size() == 1 ? msgs.get(0) : "[" + String.join(", ", msgs) + "]";
  }

  private static Long parseLong(String s) {
    // Go's strconv.ParseInt accepts an optional sign and decimal digits only, like Long.parseLong.
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String jsonList(List<String> values) {
    if (values.isEmpty()) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(FieldError.goQuote(values.get(i)));
    }
    return sb.append(']').toString();
  }
}
