package io.gubernator.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.patch.JsonPatch;
import io.gubernator.api.patch.MergePatch;
import io.gubernator.api.patch.PatchException;
import io.gubernator.api.patch.StrategicMergePatch;
import io.gubernator.api.resource.ResourceRegistry;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.api.serialization.Protobuf;
import io.gubernator.apiserver.auth.Reviews;
import io.gubernator.apiserver.printers.TablePrinter;
import io.gubernator.apiserver.registry.GenericRegistry;
import io.gubernator.apiserver.registry.ListWatcher;
import io.gubernator.apiserver.registry.Options;
import io.gubernator.apiserver.registry.WriteResult;
import io.gubernator.apiserver.watchcache.Watcher;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The REST verbs on resources: turns a request into a registry call and the result into a
 * response in the encoding the client accepts (JSON, YAML, or a server-side Table).
 */
public final class ResourceHandler {

  private final ResourceRegistry resources;
  private final Map<ResourceType, GenericRegistry> registries;
  private final WatchStreamer watches;
  private final Reviews reviews;

  public ResourceHandler(ResourceRegistry resources, Map<ResourceType, GenericRegistry> registries, WatchStreamer watches,
      Reviews reviews) {
    this.resources = resources;
    this.registries = registries;
    this.watches = watches;
    this.reviews = reviews;
  }

  /**
   * How the client wants the answer: Kubernetes protobuf, YAML, JSON, or a meta.k8s.io
   * transformation of the object (in JSON or YAML only): a server-side Table, or only its metadata
   * ({@code partial} is PartialObjectMetadata or PartialObjectMetadataList, what metadata-only
   * informers such as the garbage collector's ask for). {@code metaVersion} is the transformation's
   * meta.k8s.io version. {@code fallback} is the next acceptable encoding after protobuf, for an
   * object that turns out to have no protobuf message.
   */
  record Output(boolean yaml, boolean table, String metaVersion, String partial, boolean protobuf, Output fallback) {
    static final Output JSON = new Output(false, false, null, null, false, null);
    static final Output YAML = new Output(true, false, null, null, false, null);

    String metaApiVersion() {
      return "meta.k8s.io/" + (metaVersion == null ? "v1" : metaVersion);
    }
  }

  static Output negotiate(String accept) {
    return negotiate(accept, false);
  }

  /**
   * The first acceptable media type of the Accept header; {@code protobuf} says whether the
   * resource has protobuf messages (all built-in kinds do).
   */
  static Output negotiate(String accept, boolean protobuf) {
    List<MediaTypes.MediaType> types = MediaTypes.parseList(accept);
    if (types.isEmpty()) return Output.JSON;
    for (int i = 0; i < types.size(); i++) {
      MediaTypes.MediaType m = types.get(i);
      String as = m.param("as");
      if (as != null) {
        boolean text = m.is(MediaTypes.JSON) || m.is(MediaTypes.YAML);
        boolean meta = "meta.k8s.io".equals(m.param("g")) && (m.param("v") == null || Set.of("v1", "v1beta1").contains(m.param("v")));
        if (as.equals("Table") && meta && text) {
          return new Output(m.is(MediaTypes.YAML), true, m.param("v"), null, false, null);
        }
        if ((as.equals("PartialObjectMetadata") || as.equals("PartialObjectMetadataList")) && meta && text) {
          return new Output(m.is(MediaTypes.YAML), false, m.param("v"), as, false, null);
        }
        continue; // other transformations (protobuf PartialObjectMetadata) fall back to the next acceptable type
      }
      if (m.is(MediaTypes.JSON) || m.is("*/*") || m.is("application/*")) return Output.JSON;
      if (m.is(MediaTypes.YAML)) return Output.YAML;
      if (m.is(MediaTypes.PROTOBUF) && protobuf) {
        Output fallback = null;
        for (MediaTypes.MediaType rest : types.subList(i + 1, types.size())) {
          if (rest.param("as") != null) continue;
          if (rest.is(MediaTypes.JSON) || rest.is("*/*") || rest.is("application/*")) fallback = Output.JSON;
          else if (rest.is(MediaTypes.YAML)) fallback = Output.YAML;
          if (fallback != null) break;
        }
        return new Output(false, false, null, null, true, fallback);
      }
    }
    throw StatusException.notAcceptable("only the following media types are accepted: application/json, application/yaml"
        + (protobuf ? ", application/vnd.kubernetes.protobuf" : ""));
  }

  /** The registry of a built-in resource (a subresource of one kind that writes another). */
  GenericRegistry registry(String group, String version, String plural) {
    return resources.byPlural(group, version, plural).map(registries::get)
        .orElseThrow(() -> new IllegalStateException("no registry for " + group + "/" + version + "/" + plural));
  }

  public void handle(ApiRequest req, HttpServerResponse res) {
    RequestInfo info = req.info();
    if (info.resource() == null) throw StatusException.notFound("", "", info.path());
    ResourceType type = resources.byPlural(info.group(), info.version(), info.resource())
        .orElseThrow(StatusException::noRoute);
    GenericRegistry registry = registries.get(type);
    if (type.namespaced() && info.namespace() == null && info.name() != null) {
      throw StatusException.noRoute();
    }
    if (!type.namespaced() && info.namespace() != null) {
      throw StatusException.noRoute();
    }
    if (info.name() != null) checkPathSegmentName(info.name());
    Output out = negotiate(req.headers().get("Accept"), Protobuf.supports(type.apiVersion(), type.kind())
        && Protobuf.supports(type.apiVersion(), type.listKind()));
    String ns = type.namespaced() ? info.namespace() : null;
    if (!type.stored()) {
      // A review: created and answered, never stored, so there is nothing to get, list or change.
      if (!req.method().equals("POST") || info.name() != null || info.subresource() != null || (type.namespaced() && ns == null)) {
        throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
      }
      Responses.write(res, 201, reviews.answer(type, ns, Bodies.decodeObject(req), req.user()), out, List.of());
      return;
    }
    String sub = info.subresource();
    if (sub != null) {
      new Subresources(registry, this).handle(req, res, type, ns, info.name(), sub, out);
      return;
    }
    boolean watch = info.legacyWatch() || req.flag("watch");
    // Kubernetes serves only GET on the legacy /watch/ paths, and only list and watch on the
    // all-namespaces collection of a namespaced resource (deletecollection is per namespace).
    if (!req.method().equals("GET") && (info.legacyWatch() || (type.namespaced() && ns == null))) {
      throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    switch (req.method()) {
      case "GET" -> {
        if (info.name() == null) {
          if (watch) watches.stream(req, res, registry, ns, null, listOptions(req), out);
          else {
            Options.ListWatch options = listOptions(req);
            validateListOptions(options);
            writeList(res, registry, registry.lists().list(ns, options), out, req.param("includeObject"));
          }
        } else if (watch) {
          watches.stream(req, res, registry, ns, info.name(), listOptions(req), out);
        } else {
          String rv = req.param("resourceVersion");
          if (rv != null && !rv.isEmpty() && !rv.matches("[0-9]{1,18}")) {
            throw StatusException.badRequest("invalid resource version: \"" + rv + "\"");
          }
          writeObject(res, 200, registry, registry.get(ns, info.name()), out, req.param("includeObject"), List.of());
        }
      }
      case "POST" -> {
        if (info.name() != null) throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
        ObjectNode body = Bodies.decodeObject(req);
        writeResult(res, registry, registry.create(ns, body, writeOptions(req)), out, req);
      }
      case "PUT" -> {
        requireName(info);
        ObjectNode body = Bodies.decodeObject(req);
        writeResult(res, registry, registry.update(ns, info.name(), body, writeOptions(req), false), out, req);
      }
      case "PATCH" -> {
        requireName(info);
        writeResult(res, registry, registry.patch(ns, info.name(), writeOptions(req), false, patchFunction(req, type)), out, req);
      }
      case "DELETE" -> {
        if (info.name() == null) {
          deleteCollection(req, res, registry, ns, out);
        } else {
          WriteResult r = registry.delete(ns, info.name(), deleteOptions(req));
          writeResult(res, registry, r, out, req);
        }
      }
      default -> throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
  }

  /**
   * Kubernetes' IsValidPathSegmentName, which its registry applies to the name before the store
   * key is built: a name that came in percent-encoded may not be "." or "..", nor hold '/' or '%'.
   */
  public static void checkPathSegmentName(String name) {
    List<String> msgs = new ArrayList<>();
    if (name.equals(".") || name.equals("..")) msgs.add("may not be '" + name + "'");
    for (String illegal : List.of("/", "%")) if (name.contains(illegal)) msgs.add("may not contain '" + illegal + "'");
    if (!msgs.isEmpty()) throw StatusException.badRequest("Name parameter invalid: \"" + name + "\": " + String.join(";", msgs));
  }

  /** Kubernetes' ValidateListOptions for a list (a watch is validated by the WatchStreamer): 422 with field causes. */
  static void validateListOptions(Options.ListWatch o) {
    List<StatusException.Cause> causes = new ArrayList<>();
    String match = o.resourceVersionMatch();
    String rv = o.resourceVersion() == null ? "" : o.resourceVersion();
    if (match != null && !match.isEmpty()) {
      if (rv.isEmpty()) {
        causes.add(new StatusException.Cause("FieldValueForbidden",
            "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided", "resourceVersionMatch"));
      }
      if (o.continueToken() != null && !o.continueToken().isEmpty()) {
        causes.add(new StatusException.Cause("FieldValueForbidden",
            "Forbidden: resourceVersionMatch is forbidden when continue is provided", "resourceVersionMatch"));
      }
      if (!match.equals("Exact") && !match.equals("NotOlderThan")) {
        causes.add(new StatusException.Cause("FieldValueNotSupported", "Unsupported value: \"" + match
            + "\": supported values: \"Exact\", \"NotOlderThan\", \"\"", "resourceVersionMatch"));
      }
      if (match.equals("Exact") && rv.equals("0")) {
        causes.add(new StatusException.Cause("FieldValueForbidden",
            "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"", "resourceVersionMatch"));
      }
    }
    if (o.sendInitialEvents() != null) {
      causes.add(new StatusException.Cause("FieldValueForbidden", "Forbidden: sendInitialEvents is forbidden for list",
          "sendInitialEvents"));
    }
    if (!causes.isEmpty()) throw StatusException.invalid("meta.k8s.io", "ListOptions", "", causes);
  }

  private static void requireName(RequestInfo info) {
    if (info.name() == null) throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
  }

  private void deleteCollection(ApiRequest req, HttpServerResponse res, GenericRegistry registry, String ns, Output out) {
    Options.Delete options = deleteOptions(req);
    Options.ListWatch listOptions = listOptions(req);
    validateListOptions(listOptions);
    ListWatcher.Page page = registry.lists().list(ns, listOptions);
    List<ObjectNode> deleted = new ArrayList<>();
    for (ObjectNode o : page.items()) {
      JsonNode meta = o.path("metadata");
      try {
        deleted.add(registry.delete(meta.path("namespace").asText(null), meta.path("name").asText(), options).object());
      } catch (StatusException e) {
        if (e.code() != 404) throw e;
      }
    }
    writeList(res, registry, new ListWatcher.Page(deleted, page.revision(), null, null), out, null);
  }

  UnaryOperator<ObjectNode> patchFunction(ApiRequest req, ResourceType type) {
    String contentType = req.headers().get("Content-Type");
    MediaTypes.MediaType m = MediaTypes.parse(contentType);
    String kind = m == null ? "" : m.type();
    if (kind.equals("application/apply-patch+yaml") || kind.equals("application/apply-patch+cbor")) {
      throw StatusException.of(415, "UnsupportedMediaType",
          "server-side apply is not supported yet by this server; use client-side kubectl apply");
    }
    if (!kind.equals("application/json-patch+json") && !kind.equals("application/merge-patch+json")
        && !kind.equals("application/strategic-merge-patch+json")) {
      throw StatusException.of(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
          + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
          + "application/apply-patch+yaml, application/strategic-merge-patch+json");
    }
    JsonNode patch = Bodies.parsePatch(req.body(), kind.equals("application/json-patch+json"));
    if (kind.equals("application/strategic-merge-patch+json")) checkPatchDirectives(patch);
    return current -> {
      try {
        JsonNode result = switch (kind) {
          case "application/json-patch+json" -> JsonPatch.apply(current, patch);
          case "application/merge-patch+json" -> MergePatch.apply(current, patch);
          default -> StrategicMergePatch.apply(current, patch, type.modelClass());
        };
        if (!(result instanceof ObjectNode o)) throw StatusException.badRequest("the patch result is not an object");
        return o;
      } catch (PatchException e) {
        if (kind.equals("application/json-patch+json")) {
          throw StatusException.of(422, "Invalid", e.getMessage());
        }
        throw StatusException.badRequest(e.getMessage());
      }
    };
  }

  /** Kubernetes knows three {@code $patch} directives; any other is refused rather than ignored. */
  private static void checkPatchDirectives(JsonNode node) {
    if (node.isObject()) {
      JsonNode directive = node.get("$patch");
      if (directive != null && !(directive.isTextual() && directive.asText().matches("replace|merge|delete"))) {
        throw StatusException.badRequest("unknown patch type: " + directive + " in map");
      }
      node.forEach(ResourceHandler::checkPatchDirectives);
    } else if (node.isArray()) {
      node.forEach(ResourceHandler::checkPatchDirectives);
    }
  }

  static Options.Write writeOptions(ApiRequest req) {
    List<String> dryRun = req.params().getAll("dryRun");
    for (String d : dryRun) {
      if (!d.equals("All")) throw StatusException.badRequest("dryRun: Unsupported value: \"" + d + "\": supported values: \"All\"");
    }
    String fv = req.param("fieldValidation");
    Options.FieldValidation validation = Options.FieldValidation.WARN;
    if (fv != null && !fv.isEmpty()) {
      validation = switch (fv) {
        case "Strict" -> Options.FieldValidation.STRICT;
        case "Warn" -> Options.FieldValidation.WARN;
        case "Ignore" -> Options.FieldValidation.IGNORE;
        default -> throw StatusException.badRequest("fieldValidation: Unsupported value: \"" + fv
            + "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
      };
    }
    return new Options.Write(!dryRun.isEmpty(), validation);
  }

  static Options.ListWatch listOptions(ApiRequest req) {
    long limit = 0;
    String l = req.param("limit");
    if (l != null && !l.isEmpty()) {
      try {
        limit = Long.parseLong(l);
      } catch (NumberFormatException e) {
        throw StatusException.badRequest("limit: Invalid value: \"" + l + "\": must be an integer");
      }
    }
    String sie = req.param("sendInitialEvents");
    return new Options.ListWatch(req.param("labelSelector"), req.param("fieldSelector"), Math.max(0, limit),
        req.param("continue"), req.param("resourceVersion"), req.param("resourceVersionMatch"),
        req.flag("allowWatchBookmarks"), sie == null ? null : sie.equals("true"));
  }

  static Options.Delete deleteOptions(ApiRequest req) {
    return deleteOptions(req, req.body() != null && req.body().length > 0 ? Bodies.decodeObject(req) : null);
  }

  /** DeleteOptions from the query and {@code body} (a DeleteOptions object, or null), the body's fields winning. */
  static Options.Delete deleteOptions(ApiRequest req, ObjectNode body) {
    Long grace = null;
    String propagation = req.param("propagationPolicy");
    String uid = null;
    String rv = null;
    List<String> dryRunValues = new ArrayList<>(req.params().getAll("dryRun"));
    String g = req.param("gracePeriodSeconds");
    if (g != null) {
      try {
        grace = Long.parseLong(g);
      } catch (NumberFormatException e) {
        throw StatusException.badRequest("gracePeriodSeconds: must be an integer");
      }
    }
    if (body != null) {
      // Decoded as strictly as Kubernetes decodes a DeleteOptions: a field of the wrong type is a
      // 400, never silently ignored (an ignored precondition or dryRun would delete for real).
      JsonNode graceNode = field(body, "gracePeriodSeconds", JsonNode::isIntegralNumber, "int64");
      if (graceNode != null) grace = graceNode.asLong();
      JsonNode policy = field(body, "propagationPolicy", JsonNode::isTextual, "v1.DeletionPropagation");
      if (policy != null) propagation = policy.asText();
      JsonNode orphan = field(body, "orphanDependents", JsonNode::isBoolean, "bool");
      if (orphan != null && orphan.asBoolean() && propagation == null) propagation = "Orphan";
      JsonNode pre = field(body, "preconditions", JsonNode::isObject, "v1.Preconditions");
      if (pre != null) {
        JsonNode u = field(pre, "uid", JsonNode::isTextual, "types.UID");
        if (u != null) uid = u.asText();
        JsonNode v = field(pre, "resourceVersion", JsonNode::isTextual, "string");
        if (v != null) rv = v.asText();
      }
      JsonNode dry = field(body, "dryRun", JsonNode::isArray, "[]string");
      if (dry != null) {
        for (JsonNode d : dry) {
          if (!d.isTextual()) throw StatusException.badRequest("json: cannot unmarshal " + d.getNodeType().name().toLowerCase()
              + " into Go struct field DeleteOptions.dryRun of type string");
          dryRunValues.add(d.asText());
        }
      }
    }
    for (String d : dryRunValues) {
      if (!d.equals("All")) throw StatusException.badRequest("dryRun: Unsupported value: \"" + d + "\": supported values: \"All\"");
    }
    if (propagation != null && !propagation.matches("Orphan|Background|Foreground")) {
      throw StatusException.of(422, "Invalid", "propagationPolicy: Unsupported value: \"" + propagation
          + "\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
    }
    return new Options.Delete(grace, propagation, uid, rv, !dryRunValues.isEmpty());
  }

  /** A DeleteOptions field: null when absent or null, else it must pass {@code ok} (400 otherwise). */
  private static JsonNode field(JsonNode parent, String name, java.util.function.Predicate<JsonNode> ok, String goType) {
    JsonNode v = parent.get(name);
    if (v == null || v.isNull()) return null;
    if (!ok.test(v)) {
      throw StatusException.badRequest("json: cannot unmarshal " + v.getNodeType().name().toLowerCase()
          + " into Go struct field DeleteOptions." + name + " of type " + goType);
    }
    return v;
  }

  void writeResult(HttpServerResponse res, GenericRegistry registry, WriteResult r, Output out, ApiRequest req) {
    writeObject(res, r.code(), registry, r.object(), out, req.param("includeObject"), r.warnings());
  }

  void writeObject(HttpServerResponse res, int code, GenericRegistry registry, ObjectNode object, Output out,
      String includeObject, List<String> warnings) {
    if (out.table()) {
      ObjectNode table = TablePrinter.table(registry.type().storageKey(), List.of(object),
          object.path("metadata").path("resourceVersion").asText(null), null, null, includeObject, true, registry.conversion()::toStorage);
      table.put("apiVersion", out.metaApiVersion());
      Responses.write(res, code, table, out.yaml(), warnings);
      return;
    }
    if (out.partial() != null) {
      // A single object asked for as a list (or the reverse) is not acceptable, as in Kubernetes.
      if (!out.partial().equals(PARTIAL)) throw notAcceptablePartial(PARTIAL);
      Responses.write(res, code, partial(object, out), out.yaml(), warnings);
      return;
    }
    Responses.write(res, code, object, out, warnings);
  }

  void writeList(HttpServerResponse res, GenericRegistry registry, ListWatcher.Page page, Output out, String includeObject) {
    if (out.table()) {
      ObjectNode table = TablePrinter.table(registry.type().storageKey(), page.items(), Long.toString(page.revision()),
          page.continueToken(), page.remainingItemCount(), includeObject, true, registry.conversion()::toStorage);
      table.put("apiVersion", out.metaApiVersion());
      Responses.write(res, 200, table, out.yaml(), List.of());
      return;
    }
    if (out.partial() != null) {
      if (!out.partial().equals(PARTIAL_LIST)) throw notAcceptablePartial(PARTIAL_LIST);
      ObjectNode list = Json.MAPPER.createObjectNode().put("kind", PARTIAL_LIST).put("apiVersion", out.metaApiVersion());
      listMetadata(list, page);
      ArrayNode items = list.putArray("items");
      for (ObjectNode o : page.items()) items.add(partial(o, out));
      Responses.write(res, 200, list, out.yaml(), List.of());
      return;
    }
    ResourceType type = registry.type();
    ObjectNode list = Json.MAPPER.createObjectNode().put("kind", type.listKind()).put("apiVersion", type.apiVersion());
    listMetadata(list, page);
    ArrayNode items = list.putArray("items");
    for (ObjectNode o : page.items()) {
      ObjectNode item = o;
      if (!o.has("kind")) item = o.deepCopy().put("kind", type.kind()).put("apiVersion", type.apiVersion());
      items.add(item);
    }
    Responses.write(res, 200, list, out, List.of());
  }

  private static void listMetadata(ObjectNode list, ListWatcher.Page page) {
    ObjectNode meta = list.putObject("metadata").put("resourceVersion", Long.toString(page.revision()));
    if (page.continueToken() != null) meta.put("continue", page.continueToken());
    if (page.remainingItemCount() != null) meta.put("remainingItemCount", page.remainingItemCount());
  }

  static final String PARTIAL = "PartialObjectMetadata";
  static final String PARTIAL_LIST = "PartialObjectMetadataList";

  /** The object reduced to its metadata, as a meta.k8s.io PartialObjectMetadata. */
  static ObjectNode partial(ObjectNode object, Output out) {
    ObjectNode partial = Json.MAPPER.createObjectNode().put("kind", PARTIAL).put("apiVersion", out.metaApiVersion());
    partial.set("metadata", object.path("metadata").isObject() ? object.get("metadata") : Json.MAPPER.createObjectNode());
    return partial;
  }

  static StatusException notAcceptablePartial(String wanted) {
    return StatusException.notAcceptable("only the following media types are accepted: application/json, application/yaml, "
        + "application/vnd.kubernetes.protobuf, application/json;as=" + wanted + ";g=meta.k8s.io;v=v1");
  }
}
