package io.gubernator.api.validation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * String-format checks shared by all resources: DNS names, qualified names (label and annotation keys),
 * label values. Each {@code is...} method returns the list of reasons the value is bad (empty when it is
 * fine), worded exactly like Kubernetes' {@code k8s.io/apimachinery/pkg/util/validation}, because users
 * compare our errors with the real API server's.
 */
public final class NameValidation {

  public static final int DNS1123_LABEL_MAX_LENGTH = 63;
  public static final int DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
  public static final int DNS1035_LABEL_MAX_LENGTH = 63;
  public static final int LABEL_VALUE_MAX_LENGTH = 63;
  public static final int QUALIFIED_NAME_MAX_LENGTH = 63;

  static final String DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  static final String DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*";
  static final String DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
  static final String QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  static final String LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?";

  private static final Pattern DNS1123_LABEL = Pattern.compile(DNS1123_LABEL_FMT);
  private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(DNS1123_SUBDOMAIN_FMT);
  private static final Pattern DNS1035_LABEL = Pattern.compile(DNS1035_LABEL_FMT);
  private static final Pattern QUALIFIED_NAME = Pattern.compile(QUALIFIED_NAME_FMT);
  private static final Pattern LABEL_VALUE = Pattern.compile(LABEL_VALUE_FMT);

  private static final String DNS1123_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case "
      + "alphanumeric characters or '-', and must start and end with an alphanumeric character";
  private static final String DNS1123_SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower "
      + "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  private static final String DNS1035_LABEL_MSG = "a DNS-1035 label must consist of lower case alphanumeric "
      + "characters or '-', start with an alphabetic character, and end with an alphanumeric character";
  private static final String QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', "
      + "and must start and end with an alphanumeric character";
  private static final String LABEL_VALUE_MSG = "a valid label must be an empty string or consist of "
      + "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

  private NameValidation() {
  }

  public static List<String> isDns1123Label(String value) {
    List<String> errs = new ArrayList<>();
    if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) {
      errs.add(maxLenError(DNS1123_LABEL_MAX_LENGTH));
    }
    if (!DNS1123_LABEL.matcher(value).matches()) {
      // A valid subdomain that is not a valid label can only be failing because of its dots.
      if (DNS1123_SUBDOMAIN.matcher(value).matches()) {
        errs.add("must not contain dots");
      } else {
        errs.add(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"));
      }
    }
    return errs;
  }

  public static List<String> isDns1123Subdomain(String value) {
    List<String> errs = new ArrayList<>();
    if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) {
      errs.add(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if (!DNS1123_SUBDOMAIN.matcher(value).matches()) {
      errs.add(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"));
    }
    return errs;
  }

  public static List<String> isDns1035Label(String value) {
    List<String> errs = new ArrayList<>();
    if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) {
      errs.add(maxLenError(DNS1035_LABEL_MAX_LENGTH));
    }
    if (!DNS1035_LABEL.matcher(value).matches()) {
      errs.add(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"));
    }
    return errs;
  }

  /** A "qualified name": an optional DNS-subdomain prefix and '/', then a 63-character name. Label keys. */
  public static List<String> isQualifiedName(String value) {
    List<String> errs = new ArrayList<>();
    String[] parts = value.split("/", -1);
    String name;
    switch (parts.length) {
      case 1 -> name = parts[0];
      case 2 -> {
        String prefix = parts[0];
        name = parts[1];
        if (prefix.isEmpty()) {
          errs.add("prefix part " + emptyError());
        } else {
          for (String msg : isDns1123Subdomain(prefix)) {
            errs.add("prefix part " + msg);
          }
        }
      }
      default -> {
        errs.add("a valid label key " + regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name",
            "123-abc") + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
        return errs;
      }
    }
    if (name.isEmpty()) {
      errs.add("name part " + emptyError());
    } else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) {
      errs.add("name part " + maxLenError(QUALIFIED_NAME_MAX_LENGTH));
    }
    if (!QUALIFIED_NAME.matcher(name).matches()) {
      errs.add("name part " + regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"));
    }
    return errs;
  }

  public static List<String> isValidLabelValue(String value) {
    List<String> errs = new ArrayList<>();
    if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) {
      errs.add(maxLenError(LABEL_VALUE_MAX_LENGTH));
    }
    if (!LABEL_VALUE.matcher(value).matches()) {
      errs.add(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
    }
    return errs;
  }

  /** Names used as a URL path segment (the rule for resources with no stricter one). */
  public static List<String> isValidPathSegmentName(String name) {
    if (name.equals(".") || name.equals("..")) {
      return List.of("may not be '" + name + "'");
    }
    return isValidPathSegmentPrefix(name);
  }

  public static List<String> isValidPathSegmentPrefix(String name) {
    List<String> errs = new ArrayList<>();
    if (name.contains("/")) {
      errs.add("may not contain '/'");
    }
    if (name.contains("%")) {
      errs.add("may not contain '%'");
    }
    return errs;
  }

  public static String maxLenError(int length) {
    return "must be no more than " + length + " characters";
  }

  public static String emptyError() {
    return "must be non-empty";
  }

  /** Kubernetes' wording for a failed regex, including its peculiar double space between examples. */
  public static String regexError(String msg, String fmt, String... examples) {
    if (examples.length == 0) {
      return msg + " (regex used for validation is '" + fmt + "')";
    }
    StringBuilder sb = new StringBuilder(msg).append(" (e.g. ");
    for (int i = 0; i < examples.length; i++) {
      if (i > 0) {
        sb.append(" or ");
      }
      sb.append('\'').append(examples[i]).append("', ");
    }
    return sb.append("regex used for validation is '").append(fmt).append("')").toString();
  }

  /** Kubernetes measures lengths in bytes (Go's {@code len}), which matters only for non-ASCII input. */
  static int byteLength(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return s.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return s.length();
  }
}
