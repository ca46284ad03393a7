package io.gubernator.api.validation;

import java.util.List;
import java.util.Objects;

/**
 * One field-level validation failure, the counterpart of Kubernetes' {@code field.Error}. {@link #type()}'s
 * {@link Type#reason()} is what goes into a {@code Status} cause's {@code reason}, {@link #field()} into its
 * {@code field}, and {@link #message()} into its {@code message}.
 *
 * @param badValue the offending value; a plain string unless {@code badValueIsJson}, in which case it is
 *     already rendered as JSON (lists, numbers, objects) and is printed as is
 */
public record FieldError(Type type, String field, String badValue, String detail, boolean badValueIsJson) {

  /** Kubernetes' CauseType strings and the words its messages use for them. */
  public enum Type {
    REQUIRED("FieldValueRequired", "Required value"),
    INVALID("FieldValueInvalid", "Invalid value"),
    DUPLICATE("FieldValueDuplicate", "Duplicate value"),
    NOT_SUPPORTED("FieldValueNotSupported", "Unsupported value"),
    TOO_LONG("FieldValueTooLong", "Too long"),
    FORBIDDEN("FieldValueForbidden", "Forbidden"),
    TYPE_INVALID("FieldValueTypeInvalid", "Invalid value"),
    NOT_FOUND("FieldValueNotFound", "Not found");

    private final String reason;
    private final String words;

    Type(String reason, String words) {
      this.reason = reason;
      this.words = words;
    }

    /** The {@code StatusCause.reason} value, e.g. {@code FieldValueInvalid}. */
    public String reason() {
      return reason;
    }

    /** The phrase used in messages, e.g. {@code Invalid value}. */
    public String words() {
      return words;
    }
  }

  public FieldError {
    Objects.requireNonNull(type, "type");
    field = field == null ? "" : field;
    badValue = badValue == null ? "" : badValue;
    detail = detail == null ? "" : detail;
  }

  public FieldError(Type type, String field, String badValue, String detail) {
    this(type, field, badValue, detail, false);
  }

  public static FieldError required(String field, String detail) {
    return new FieldError(Type.REQUIRED, field, "", detail);
  }

  public static FieldError invalid(String field, String badValue, String detail) {
    return new FieldError(Type.INVALID, field, badValue, detail);
  }

  /** An Invalid error whose value is not a string; {@code jsonValue} is its JSON rendering. */
  public static FieldError invalidJson(String field, String jsonValue, String detail) {
    return new FieldError(Type.INVALID, field, jsonValue, detail, true);
  }

  public static FieldError forbidden(String field, String detail) {
    return new FieldError(Type.FORBIDDEN, field, "", detail);
  }

  public static FieldError duplicate(String field, String badValue) {
    return new FieldError(Type.DUPLICATE, field, badValue, "");
  }

  public static FieldError notFound(String field, String badValue) {
    return new FieldError(Type.NOT_FOUND, field, badValue, "");
  }

  /** A NotSupported error listing the accepted values the way Kubernetes does. */
  public static FieldError notSupported(String field, String badValue, List<String> supported) {
    String detail = supported.isEmpty() ? "" : "supported values: "
        + String.join(", ", supported.stream().map(FieldError::goQuote).toList());
    return new FieldError(Type.NOT_SUPPORTED, field, badValue, detail);
  }

  /** A TooLong error; Kubernetes never echoes the too-long value. */
  public static FieldError tooLong(String field, int maxLength) {
    String detail = maxLength >= 0
        ? "may not be more than " + maxLength + (maxLength == 1 ? " byte" : " bytes")
        : "value is too long";
    return new FieldError(Type.TOO_LONG, field, "<value omitted>", detail);
  }

  /** The message without the field, as in Kubernetes' {@code ErrorBody()}. */
  public String body() {
    StringBuilder sb = new StringBuilder(type.words());
    switch (type) {
      case REQUIRED, FORBIDDEN, TOO_LONG -> { }
      default -> sb.append(": ").append(badValueIsJson ? badValue : goQuote(badValue));
    }
    if (!detail.isEmpty()) {
      sb.append(": ").append(detail);
    }
    return sb.toString();
  }

  /** Renders like Kubernetes' {@code field.Error.Error()}: {@code <field>: <Type words>[: <value>][: <detail>]}. */
  public String message() {
    return field + ": " + body();
  }

  @Override
  public String toString() {
    return message();
  }

  /** Quotes a string the way Go's {@code %q} verb does for the characters that matter in practice. */
  public static String goQuote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case 0x07 -> sb.append("\\a");
        case 0x08 -> sb.append("\\b");
        case 0x0c -> sb.append("\\f");
        case 0x0b -> sb.append("\\v");
        default -> {
          if (cp < 0x20 || cp == 0x7f) {
            sb.append(String.format("\\x%02x", cp));
          } else if (Character.isISOControl(cp) || !Character.isDefined(cp)) {
            sb.append(cp <= 0xffff ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
          } else {
            sb.appendCodePoint(cp);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
