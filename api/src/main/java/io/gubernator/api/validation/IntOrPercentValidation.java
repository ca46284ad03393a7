package io.gubernator.api.validation;

import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes' checks of an IntOrString that counts pods (a rolling update's maxSurge and
 * maxUnavailable, a disruption budget's minAvailable and maxUnavailable): a non-negative integer
 * or a percentage written as digits and '%'.
 */
public final class IntOrPercentValidation {

  private static final String PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'";
  private static final String PERCENT_FMT = "[0-9]+%";

  private IntOrPercentValidation() {}

  /** ValidatePositiveIntOrPercent. */
  public static List<FieldError> nonNegative(IntOrString value, String field) {
    List<FieldError> errors = new ArrayList<>();
    if (value == null) return errors;
    if (value.getStrVal() != null) {
      if (!value.getStrVal().matches(PERCENT_FMT)) {
        errors.add(invalid(value, field, NameValidation.regexError(PERCENT_MSG, PERCENT_FMT, "1%", "93%")));
      }
    } else if (value.getIntVal() != null && value.getIntVal() < 0) {
      errors.add(invalid(value, field, "must be greater than or equal to 0"));
    }
    return errors;
  }

  /** IsNotMoreThan100Percent: a percentage over 100 (an integer may be any size). */
  public static List<FieldError> notMoreThan100Percent(IntOrString value, String field) {
    Integer percent = percent(value);
    if (percent == null || percent <= 100) return List.of();
    return List.of(invalid(value, field, "must not be greater than 100%"));
  }

  /** The integer or the percentage's number; null when it is neither. */
  public static Integer intOrPercentValue(IntOrString value) {
    if (value == null) return null;
    if (value.getStrVal() == null) return value.getIntVal();
    return percent(value);
  }

  private static Integer percent(IntOrString value) {
    if (value == null || value.getStrVal() == null || !value.getStrVal().matches(PERCENT_FMT)) return null;
    try {
      return Integer.parseInt(value.getStrVal().substring(0, value.getStrVal().length() - 1));
    } catch (NumberFormatException tooLong) {
      return Integer.MAX_VALUE;
    }
  }

  /** An Invalid error whose value is the IntOrString, shown as its JSON: {@code "150%"} or {@code -1}. */
  public static FieldError invalid(IntOrString value, String field, String detail) {
    String json = value.getStrVal() != null ? FieldError.goQuote(value.getStrVal()) : String.valueOf(value.getIntVal());
    return FieldError.invalidJson(field, json, detail);
  }
}
