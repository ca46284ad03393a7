package io.gubernator.api.validation;

import java.util.List;

/**
 * The rule a resource's {@code metadata.name} must follow, i.e. Kubernetes' {@code ValidateNameFunc}s.
 * Most resources use {@link #DNS1123_SUBDOMAIN}; namespaces use {@link #DNS1123_LABEL}; services use
 * {@link #DNS1035_LABEL}; some (e.g. RBAC objects) only need to be a {@link #PATH_SEGMENT}.
 */
public enum NameRule {
  DNS1123_SUBDOMAIN,
  DNS1123_LABEL,
  DNS1035_LABEL,
  PATH_SEGMENT;

  /**
   * Problems with {@code name}; when {@code prefix} is true the value is a {@code generateName}, so a
   * trailing '-' is allowed (random characters will follow it).
   */
  public List<String> validate(String name, boolean prefix) {
    return switch (this) {
      case DNS1123_SUBDOMAIN -> NameValidation.isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);
      case DNS1123_LABEL -> NameValidation.isDns1123Label(prefix ? maskTrailingDash(name) : name);
      case DNS1035_LABEL -> NameValidation.isDns1035Label(prefix ? maskTrailingDash(name) : name);
      case PATH_SEGMENT -> prefix
          ? NameValidation.isValidPathSegmentPrefix(name)
          : NameValidation.isValidPathSegmentName(name);
    };
  }

  /**
   * Same substitution as Kubernetes' maskTrailingDash, which drops the character before the dash too;
   * kept identical so that the same generateNames pass and fail.
   */
  static String maskTrailingDash(String name) {
    if (name.endsWith("-")) {
      return name.length() >= 2 ? name.substring(0, name.length() - 2) + "a" : "a";
    }
    return name;
  }
}
