package io.gubernator.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.labels.LabelSelector;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.registry.GenericRegistry;
import io.gubernator.apiserver.registry.Options;
import io.gubernator.apiserver.registry.PodEviction;
import io.gubernator.apiserver.registry.WriteResult;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.function.UnaryOperator;

/** The status, scale, binding, finalize, eviction and ephemeralcontainers subresources, all through the generic registry. */
final class Subresources {

  private final GenericRegistry registry;
  private final ResourceHandler handler;

  Subresources(GenericRegistry registry, ResourceHandler handler) {
    this.registry = registry;
    this.handler = handler;
  }

  void handle(ApiRequest req, HttpServerResponse res, ResourceType type, String ns, String name, String sub,
      ResourceHandler.Output out) {
    ResourceType.Subresource s = switch (sub) {
      case "status" -> ResourceType.Subresource.STATUS;
      case "scale" -> ResourceType.Subresource.SCALE;
      case "binding" -> ResourceType.Subresource.BINDING;
      case "finalize" -> ResourceType.Subresource.FINALIZE;
      case "eviction" -> ResourceType.Subresource.EVICTION;
      case "ephemeralcontainers" -> ResourceType.Subresource.EPHEMERAL_CONTAINERS;
      default -> null;
    };
    if (s == null || !type.has(s)) {
      throw StatusException.noRoute();
    }
    switch (s) {
      case STATUS -> status(req, res, ns, name, out, type);
      case SCALE -> scale(req, res, ns, name, out);
      case BINDING -> binding(req, res, ns, name, out);
      case EVICTION -> eviction(req, res, ns, name, out);
      case EPHEMERAL_CONTAINERS -> ephemeralContainers(req, res, ns, name, out, type);
      case FINALIZE -> {
        if (!req.method().equals("PUT")) {
          throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        handler.writeResult(res, registry, registry.finalize(name, Bodies.decodeObject(req), ResourceHandler.writeOptions(req)), out, req);
      }
    }
  }

  private void status(ApiRequest req, HttpServerResponse res, String ns, String name, ResourceHandler.Output out,
      ResourceType type) {
    switch (req.method()) {
      case "GET" -> handler.writeObject(res, 200, registry, registry.get(ns, name), out, null, List.of());
      case "PUT" -> {
        ObjectNode body = Bodies.decodeObject(req);
        handler.writeResult(res, registry, registry.update(ns, name, body, ResourceHandler.writeOptions(req), true), out, req);
      }
      case "PATCH" -> handler.writeResult(res, registry,
          registry.patch(ns, name, ResourceHandler.writeOptions(req), true, handler.patchFunction(req, type)), out, req);
      default -> throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
  }

  /** A pod's ephemeral containers: the pod is read and written whole, and only that list changes. */
  private void ephemeralContainers(ApiRequest req, HttpServerResponse res, String ns, String name, ResourceHandler.Output out,
      ResourceType type) {
    switch (req.method()) {
      case "GET" -> handler.writeObject(res, 200, registry, registry.get(ns, name), out, null, List.of());
      case "PUT" -> handler.writeResult(res, registry,
          registry.updateEphemeralContainers(ns, name, Bodies.decodeObject(req), ResourceHandler.writeOptions(req)), out, req);
      case "PATCH" -> handler.writeResult(res, registry,
          registry.patchEphemeralContainers(ns, name, ResourceHandler.writeOptions(req), handler.patchFunction(req, type)), out, req);
      default -> throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
  }

  /** autoscaling/v1 Scale of an object with spec.replicas. */
  private ObjectNode scaleOf(ObjectNode object) {
    ObjectNode scale = Json.MAPPER.createObjectNode().put("kind", "Scale").put("apiVersion", "autoscaling/v1");
    ObjectNode meta = scale.putObject("metadata");
    for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
      if (object.path("metadata").has(f)) meta.set(f, object.path("metadata").get(f));
    }
    scale.putObject("spec").put("replicas", object.path("spec").path("replicas").asInt(1));
    ObjectNode status = scale.putObject("status").put("replicas", object.path("status").path("replicas").asInt(0));
    JsonNode selector = object.path("spec").path("selector");
    if (selector.isObject() && (selector.has("matchLabels") || selector.has("matchExpressions"))) {
      status.put("selector", LabelSelector.from(Json.MAPPER.convertValue(selector, io.fabric8.kubernetes.api.model.LabelSelector.class)).toString());
    } else if (selector.isObject() && !selector.isEmpty()) {
      List<String> parts = new java.util.ArrayList<>();
      selector.properties().forEach(e -> parts.add(e.getKey() + "=" + e.getValue().asText()));
      status.put("selector", String.join(",", parts));
    }
    return scale;
  }

  private void scale(ApiRequest req, HttpServerResponse res, String ns, String name, ResourceHandler.Output out) {
    switch (req.method()) {
      case "GET" -> Responses.write(res, 200, scaleOf(registry.get(ns, name)), out, List.of());
      case "PUT" -> {
        ObjectNode body = Bodies.decodeObject(req);
        // Decoded as an autoscaling/v1 Scale, as Kubernetes does: another kind is a 400, not a scale to 0.
        expectKind(body, "Scale", "autoscaling/v1");
        String bodyName = body.path("metadata").path("name").asText("");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
          throw StatusException.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL ("
              + name + ")");
        }
        JsonNode replicas = body.path("spec").path("replicas");
        if (!replicas.isMissingNode() && !replicas.isInt()) throw StatusException.badRequest("spec.replicas must be an integer");
        if (replicas.asInt(0) < 0) {
          throw StatusException.invalid("autoscaling", "Scale", name, List.of(new StatusException.Cause("FieldValueInvalid",
              "Invalid value: " + replicas.asInt() + ": must be greater than or equal to 0", "spec.replicas")));
        }
        String rv = body.path("metadata").path("resourceVersion").asText("");
        WriteResult r = registry.patch(ns, name, ResourceHandler.writeOptions(req), false, current -> {
          if (!rv.isEmpty() && !rv.equals(current.path("metadata").path("resourceVersion").asText())) {
            throw StatusException.conflict(registry.type().group(), registry.type().plural(), name,
                "the object has been modified; please apply your changes to the latest version and try again");
          }
          current.with("spec").put("replicas", replicas.asInt(0));
          return current;
        });
        Responses.write(res, 200, scaleOf(r.object()), out, r.warnings());
      }
      case "PATCH" -> {
        UnaryOperator<ObjectNode> patchScale = handler.patchFunction(req, scaleResourceType());
        WriteResult r = registry.patch(ns, name, ResourceHandler.writeOptions(req), false, current -> {
          ObjectNode patched = patchScale.apply(scaleOf(current));
          JsonNode replicas = patched.path("spec").path("replicas");
          if (!replicas.isInt()) throw StatusException.badRequest("spec.replicas must be an integer");
          current.with("spec").put("replicas", replicas.asInt());
          return current;
        });
        Responses.write(res, 200, scaleOf(r.object()), out, r.warnings());
      }
      default -> throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
  }

  /** A body that names its kind must name this one, in one of {@code apiVersions} (the first is the one named in the error). */
  private static void expectKind(JsonNode body, String kind, String... apiVersions) {
    String k = body.path("kind").asText("");
    String apiVersion = body.path("apiVersion").asText("");
    if (!k.isEmpty() && !k.equals(kind) || !apiVersion.isEmpty() && !List.of(apiVersions).contains(apiVersion)) {
      throw StatusException.badRequest("the kind in the data (" + apiVersion + ", Kind=" + k
          + ") does not match the expected kind (" + apiVersions[0] + ", Kind=" + kind + ")");
    }
  }

  private static ResourceType scaleResourceType() {
    return ResourceType.of("autoscaling", "v1", "Scale", "scales", true,
        io.fabric8.kubernetes.api.model.autoscaling.v1.Scale.class, List.of(), List.of());
  }

  /**
   * pods/eviction: a policy Eviction (v1, or v1beta1 as older clients send it) whose name is the
   * pod's; its deleteOptions apply to the deletion. Answered with a Success status, as Kubernetes does.
   */
  private void eviction(ApiRequest req, HttpServerResponse res, String ns, String name, ResourceHandler.Output out) {
    if (!req.method().equals("POST")) {
      throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    ObjectNode body = Bodies.decodeObject(req);
    expectKind(body, "Eviction", "policy/v1", "policy/v1beta1");
    if (!name.equals(body.path("metadata").path("name").asText(""))) {
      throw StatusException.badRequest("name in URL does not match name in Eviction object");
    }
    JsonNode deleteOptions = body.path("deleteOptions");
    if (!deleteOptions.isMissingNode() && !deleteOptions.isNull() && !deleteOptions.isObject()) {
      throw StatusException.badRequest("json: cannot unmarshal " + deleteOptions.getNodeType().name().toLowerCase()
          + " into Go struct field Eviction.deleteOptions of type v1.DeleteOptions");
    }
    Options.Delete options = ResourceHandler.deleteOptions(req, deleteOptions.isObject() ? (ObjectNode) deleteOptions : null);
    new PodEviction(registry, handler.registry("policy", "v1", "poddisruptionbudgets")).evict(ns, name, options);
    Responses.write(res, 201, Responses.success(name, "", "pods", null), out, List.of());
  }

  /** pods/binding: assigns a node to an unbound pod, once. */
  private void binding(ApiRequest req, HttpServerResponse res, String ns, String name, ResourceHandler.Output out) {
    if (!req.method().equals("POST")) {
      throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    ObjectNode body = Bodies.decodeObject(req);
    String node = body.path("target").path("name").asText("");
    if (node.isEmpty()) {
      throw StatusException.invalid("", "Binding", name, List.of(new StatusException.Cause("FieldValueRequired",
          "Required value", "target.name")));
    }
    // As Kubernetes' binding storage: nodeName and the PodScheduled condition in one write.
    registry.patchWithStatus(ns, name, ResourceHandler.writeOptions(req), current -> {
      String existing = current.path("spec").path("nodeName").asText("");
      if (!existing.isEmpty()) {
        throw StatusException.conflict("", "pods", name, "pod " + name + " is already assigned to node \"" + existing + "\"");
      }
      if (current.path("metadata").hasNonNull("deletionTimestamp")) {
        throw StatusException.conflict("", "pods", name, "pod " + name + " is being deleted, cannot be assigned to a host");
      }
      current.with("spec").put("nodeName", node);
      com.fasterxml.jackson.databind.node.ArrayNode conditions = current.with("status").withArray("conditions");
      for (int i = conditions.size() - 1; i >= 0; i--) {
        if ("PodScheduled".equals(conditions.get(i).path("type").asText())) conditions.remove(i);
      }
      conditions.addObject().put("type", "PodScheduled").put("status", "True")
          .put("lastTransitionTime", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
      return current;
    });
    // Binding is answered with a Success status, as Kubernetes does.
    Responses.write(res, 201, Responses.success(name, "", "pods", null), out, List.of());
  }
}
