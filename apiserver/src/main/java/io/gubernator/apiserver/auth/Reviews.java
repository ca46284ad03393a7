package io.gubernator.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * The review APIs (authentication.k8s.io TokenReview and SelfSubjectReview, authorization.k8s.io
 * access and rules reviews): each create is answered with the object and its status, and nothing is
 * stored. Authorization is Kubernetes' AlwaysAllow until RBAC comes: every authenticated user may
 * do everything, so access reviews are allowed and the rules are all wildcards, which is what
 * {@code kubectl auth can-i} then reports.
 */
public final class Reviews {

  private final Authenticator authenticator;

  public Reviews(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** The answer to creating {@code body} as a {@code type} in {@code namespace} (null for cluster-scoped), by {@code user}. */
  public ObjectNode answer(ResourceType type, String namespace, ObjectNode body, UserInfo user) {
    ObjectNode review = body.deepCopy();
    review.put("apiVersion", type.apiVersion()).put("kind", type.kind());
    ObjectNode meta = review.with("metadata");
    if (namespace != null) meta.put("namespace", namespace);
    meta.putNull("creationTimestamp");
    JsonNode spec = review.path("spec");
    ObjectNode status = switch (type.kind()) {
      case "SelfSubjectReview" -> selfSubject(user);
      case "TokenReview" -> token(spec);
      case "SelfSubjectAccessReview" -> access(type, spec, List.of());
      case "SubjectAccessReview" -> access(type, spec, subject(spec));
      case "LocalSubjectAccessReview" -> access(type, spec, local(spec, namespace, subject(spec)));
      case "SelfSubjectRulesReview" -> allRules();
      default -> throw new IllegalStateException("no review named " + type.kind());
    };
    review.set("status", status);
    return review;
  }

  private static ObjectNode selfSubject(UserInfo user) {
    ObjectNode status = Json.MAPPER.createObjectNode();
    ObjectNode info = status.putObject("userInfo").put("username", user.name());
    ArrayNode groups = info.putArray("groups");
    user.groups().forEach(groups::add);
    return status;
  }

  private ObjectNode token(JsonNode spec) {
    String token = spec.path("token").asText("");
    if (token.isEmpty()) throw StatusException.badRequest("token is required for TokenReview in authentication");
    UserInfo user = authenticator.authenticate(null, "Bearer " + token);
    ObjectNode status = Json.MAPPER.createObjectNode();
    if (user == null || !user.authenticated()) {
      return status.put("authenticated", false).put("error", "invalid bearer token");
    }
    status.put("authenticated", true);
    ObjectNode info = status.putObject("user").put("username", user.name());
    ArrayNode groups = info.putArray("groups");
    user.groups().forEach(groups::add);
    return status;
  }

  /** Kubernetes' access review validation, then AlwaysAllow's answer. */
  private static ObjectNode access(ResourceType type, JsonNode spec, List<StatusException.Cause> more) {
    List<StatusException.Cause> causes = new ArrayList<>();
    boolean resource = spec.path("resourceAttributes").isObject();
    boolean nonResource = spec.path("nonResourceAttributes").isObject();
    if (resource && nonResource) {
      causes.add(new StatusException.Cause("FieldValueInvalid", "Invalid value: " + spec.path("nonResourceAttributes")
          + ": cannot be specified in combination with resourceAttributes", "spec.nonResourceAttributes"));
    } else if (!resource && !nonResource) {
      causes.add(new StatusException.Cause("FieldValueInvalid",
          "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified", "spec.resourceAttributes"));
    }
    causes.addAll(more);
    if (!causes.isEmpty()) throw StatusException.invalid(type.group(), type.kind(), "", causes);
    return Json.MAPPER.createObjectNode().put("allowed", true);
  }

  /** A SubjectAccessReview names whom it asks about. */
  private static List<StatusException.Cause> subject(JsonNode spec) {
    if (!spec.path("user").asText("").isEmpty() || !spec.path("groups").isEmpty()) return List.of();
    return List.of(new StatusException.Cause("FieldValueInvalid",
        "Invalid value: \"\": at least one of user or group must be specified", "spec.user"));
  }

  /** A LocalSubjectAccessReview asks about its own namespace, and about resources only. */
  private static List<StatusException.Cause> local(JsonNode spec, String namespace, List<StatusException.Cause> subject) {
    List<StatusException.Cause> causes = new ArrayList<>(subject);
    JsonNode attributes = spec.path("resourceAttributes");
    if (attributes.isObject() && !attributes.path("namespace").asText("").equals(namespace)) {
      causes.add(new StatusException.Cause("FieldValueInvalid", "Invalid value: \"" + attributes.path("namespace").asText("")
          + "\": must match metadata.namespace", "spec.resourceAttributes.namespace"));
    }
    if (spec.path("nonResourceAttributes").isObject()) {
      causes.add(new StatusException.Cause("FieldValueInvalid", "Invalid value: " + spec.path("nonResourceAttributes")
          + ": disallowed on this kind of request", "spec.nonResourceAttributes"));
    }
    return causes;
  }

  private static ObjectNode allRules() {
    ObjectNode status = Json.MAPPER.createObjectNode();
    ObjectNode resources = status.putArray("resourceRules").addObject();
    resources.putArray("verbs").add("*");
    resources.putArray("apiGroups").add("*");
    resources.putArray("resources").add("*");
    ObjectNode nonResources = status.putArray("nonResourceRules").addObject();
    nonResources.putArray("verbs").add("*");
    nonResources.putArray("nonResourceURLs").add("*");
    return status.put("incomplete", false);
  }
}
