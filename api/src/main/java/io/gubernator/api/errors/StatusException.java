package io.gubernator.api.errors;

import java.util.List;

/**
 * A failure that the API server answers with a Kubernetes {@code Status} object: an HTTP code, a
 * machine-readable reason, a message, and optional details (the object's kind and name, field
 * causes). Thrown anywhere in request handling; the HTTP layer renders it.
 */
public final class StatusException extends RuntimeException {

  /** One field-level cause, rendered as a {@code StatusCause}. */
  public record Cause(String reason, String message, String field) {}

  private final int code;
  private final String reason;
  private final String group;
  private final String kind;
  private final String name;
  private final List<Cause> causes;
  private final Integer retryAfterSeconds;

  private StatusException(int code, String reason, String message, String group, String kind, String name,
      List<Cause> causes, Integer retryAfterSeconds) {
    super(message, null, false, false);
    this.code = code;
    this.reason = reason;
    this.group = group;
    this.kind = kind;
    this.name = name;
    this.causes = List.copyOf(causes);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int code() { return code; }
  public String reason() { return reason; }
  public String group() { return group; }
  public String kind() { return kind; }
  public String name() { return name; }
  public List<Cause> causes() { return causes; }
  public Integer retryAfterSeconds() { return retryAfterSeconds; }

  public static StatusException of(int code, String reason, String message) {
    return new StatusException(code, reason, message, null, null, null, List.of(), null);
  }

  /**
   * No handler serves the path (an unknown group, version, resource or subresource), as Kubernetes
   * answers it: its details are present and empty, which tells kubectl that a feature is missing
   * rather than an object (kubectl debug reads them).
   */
  public static StatusException noRoute() {
    return new StatusException(404, "NotFound", "the server could not find the requested resource", "", "", "",
        List.of(), null);
  }

  /** {@code resource} is the plural name with its group, as Kubernetes prints it: {@code deployments.apps}. */
  public static StatusException notFound(String group, String resource, String name) {
    return new StatusException(404, "NotFound", qualified(group, resource) + " \"" + name + "\" not found",
        group, resource, name, List.of(), null);
  }

  public static StatusException alreadyExists(String group, String resource, String name) {
    return new StatusException(409, "AlreadyExists", qualified(group, resource) + " \"" + name + "\" already exists",
        group, resource, name, List.of(), null);
  }

  public static StatusException conflict(String group, String resource, String name, String why) {
    return new StatusException(409, "Conflict", "Operation cannot be fulfilled on " + qualified(group, resource)
        + " \"" + name + "\": " + why, group, resource, name, List.of(), null);
  }

  /** 422: {@code kind} is the object's kind ({@code Deployment}); causes come from validation. */
  public static StatusException invalid(String group, String kind, String name, List<Cause> causes) {
    StringBuilder message = new StringBuilder();
    message.append(kind).append(group == null || group.isEmpty() ? "" : "." + group)
        .append(" \"").append(name).append("\" is invalid: ");
    if (causes.size() == 1) {
      // As apimachinery's aggregate of one field error: "<field>: <body>", the cause holding the body alone.
      Cause only = causes.getFirst();
      if (only.field() != null && !only.field().isEmpty()) message.append(only.field()).append(": ");
      message.append(only.message());
    } else {
      message.append('[');
      for (int i = 0; i < causes.size(); i++) {
        if (i > 0) message.append(", ");
        message.append(causes.get(i).field()).append(": ").append(causes.get(i).message());
      }
      message.append(']');
    }
    return new StatusException(422, "Invalid", message.toString(), group, kind, name, causes, null);
  }

  public static StatusException badRequest(String message) {
    return of(400, "BadRequest", message);
  }

  public static StatusException methodNotAllowed(String message) {
    return of(405, "MethodNotAllowed", message);
  }

  public static StatusException unsupportedMediaType(String contentType) {
    return of(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
        + "application/json, application/yaml, application/vnd.kubernetes.protobuf" + (contentType == null ? "" : ""));
  }

  public static StatusException notAcceptable(String message) {
    return of(406, "NotAcceptable", message);
  }

  public static StatusException tooLarge(String message) {
    return of(413, "RequestEntityTooLarge", message);
  }

  public static StatusException gone(String message) {
    return of(410, "Expired", message);
  }

  public static StatusException unauthorized() {
    return of(401, "Unauthorized", "Unauthorized");
  }

  public static StatusException forbidden(String message) {
    return of(403, "Forbidden", message);
  }

  /** 429; {@code causes} say what to wait for (an eviction names the disruption budget that refused it). */
  public static StatusException tooManyRequests(String message, List<Cause> causes) {
    return new StatusException(429, "TooManyRequests", message, null, null, null, causes, null);
  }

  public static StatusException internal(String message) {
    return of(500, "InternalError", "Internal error occurred: " + message);
  }

  public static StatusException serviceUnavailable(String message) {
    return new StatusException(503, "ServiceUnavailable", message, null, null, null, List.of(), 1);
  }

  public static StatusException timeout(String message) {
    return new StatusException(504, "Timeout", message, null, null, null, List.of(), 1);
  }

  private static String qualified(String group, String resource) {
    return group == null || group.isEmpty() ? resource : resource + "." + group;
  }
}
