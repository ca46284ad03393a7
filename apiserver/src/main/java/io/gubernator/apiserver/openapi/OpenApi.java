package io.gubernator.apiserver.openapi;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.resource.ResourceRegistry;
import io.gubernator.api.resource.ResourceType;
import io.gubernator.api.serialization.Json;
import io.gubernator.api.serialization.ModelSchema;
import io.gubernator.apiserver.http.ApiRequest;
import io.gubernator.apiserver.http.MediaTypes;
import io.gubernator.apiserver.http.Responses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAPI v3 (per group version, as {@code kubectl explain} and kubectl's field-validation check
 * read it) and v2, in JSON and as gnostic's protobuf (which kubectl asks for when v3 has no schema
 * for a kind, as for a List), generated from the model classes the server decodes into. The
 * documents do not change while the server runs, so each is built once. The schemas
 * carry types and structure; the model classes carry no field descriptions, so neither do they.
 */
public final class OpenApi {

  /** gnostic's openapi.v2.Document: the Content-Type kube-openapi answers with. */
  public static final String PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
  /**
   * The older name, which kubectl 1.32 still sends in Accept. Never sent back: Go's mime parser,
   * which client-go runs on every Content-Type, rejects the '@'.
   */
  public static final String PROTOBUF_V2_DEPRECATED = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

  private final ResourceRegistry registry;
  private final Map<String, byte[]> v3Cache = new ConcurrentHashMap<>();
  private volatile V2 v2Cache;

  public OpenApi(ResourceRegistry registry) {
    this.registry = registry;
  }

  public void handle(ApiRequest req, HttpServerResponse res) {
    String path = req.info().path();
    if (path.equals("/openapi/v2")) {
      serve(req, res, negotiateV2(req.headers().get("Accept")));
      return;
    }
    if (path.equals("/openapi/v3")) {
      ObjectNode root = Json.MAPPER.createObjectNode();
      ObjectNode paths = root.putObject("paths");
      for (Map.Entry<String, List<String>> g : registry.groupVersions().entrySet()) {
        for (String v : g.getValue()) {
          String key = g.getKey().isEmpty() ? "api/" + v : "apis/" + g.getKey() + "/" + v;
          paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash(g.getKey(), v));
        }
      }
      Responses.write(res, 200, root, false, List.of());
      return;
    }
    if (path.startsWith("/openapi/v3/")) {
      String gv = path.substring("/openapi/v3/".length());
      String group;
      String version;
      String[] p = gv.split("/");
      if (p.length == 2 && p[0].equals("api")) {
        group = "";
        version = p[1];
      } else if (p.length == 3 && p[0].equals("apis")) {
        group = p[1];
        version = p[2];
      } else {
        throw StatusException.noRoute();
      }
      List<ResourceType> types = registry.inGroupVersion(group, version);
      if (types.isEmpty()) throw StatusException.noRoute();
      if (!acceptsJson(req.headers().get("Accept"))) {
        throw StatusException.notAcceptable("only application/json is served for OpenAPI v3");
      }
      json(res, v3Cache.computeIfAbsent(gv, k -> Json.bytes(v3(types))));
      return;
    }
    throw StatusException.noRoute();
  }

  /**
   * kube-openapi's choice: the Accept header's ranges by quality, the first that names (or covers
   * with a wildcard) JSON or gnostic's protobuf wins, JSON before protobuf for a wildcard.
   */
  private Representation negotiateV2(String accept) {
    List<MediaTypes.MediaType> ranges = new ArrayList<>(MediaTypes.parseList(accept));
    if (ranges.isEmpty()) ranges.add(MediaTypes.parse("*/*"));
    ranges.sort(Comparator.comparingDouble(OpenApi::quality).reversed());
    for (MediaTypes.MediaType m : ranges) {
      if (quality(m) <= 0) continue;
      if (m.is(MediaTypes.JSON) || m.is("*/*") || m.is("application/*")) return v2().json();
      if (m.is(PROTOBUF_V2) || m.is(PROTOBUF_V2_DEPRECATED)) return v2().protobuf();
    }
    throw StatusException.notAcceptable("only application/json and " + PROTOBUF_V2 + " are served for /openapi/v2");
  }

  private static double quality(MediaTypes.MediaType m) {
    try {
      return m.param("q") == null ? 1 : Double.parseDouble(m.param("q"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private V2 v2() {
    V2 v = v2Cache;
    if (v != null) return v;
    synchronized (this) {
      if (v2Cache == null) {
        ObjectNode doc = v2Document();
        v2Cache = new V2(Representation.of(MediaTypes.JSON, Json.bytes(doc)),
            Representation.of(PROTOBUF_V2, OpenApiV2Protobuf.document(doc).toByteArray()));
      }
      return v2Cache;
    }
  }

  /** As http.ServeContent does for kube-openapi: a matching If-None-Match gets 304 and no body. */
  private static void serve(ApiRequest req, HttpServerResponse res, Representation r) {
    res.putHeader("Vary", "Accept").putHeader("ETag", r.etag()).putHeader("Cache-Control", "no-cache, private");
    if (matches(req.headers().get("If-None-Match"), r.etag())) {
      res.setStatusCode(304).end();
      return;
    }
    res.setStatusCode(200).putHeader("Content-Type", r.contentType()).end(Buffer.buffer(r.body()));
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) return false;
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      if (t.startsWith("W/")) t = t.substring(2);
      if (t.equals("*") || t.equals(etag)) return true;
    }
    return false;
  }

  private record V2(Representation json, Representation protobuf) {}

  private record Representation(String contentType, byte[] body, String etag) {
    static Representation of(String contentType, byte[] body) {
      try {
        byte[] sum = MessageDigest.getInstance("SHA-512").digest(body);
        return new Representation(contentType, body, '"' + HexFormat.of().withUpperCase().formatHex(sum) + '"');
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static boolean acceptsJson(String accept) {
    List<MediaTypes.MediaType> types = MediaTypes.parseList(accept);
    return types.isEmpty() || types.stream().anyMatch(m -> m.is(MediaTypes.JSON) || m.is("*/*") || m.is("application/*"));
  }

  private static void json(HttpServerResponse res, byte[] body) {
    res.setStatusCode(200).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-cache, private")
        .end(Buffer.buffer(body));
  }

  private String hash(String group, String version) {
    return Integer.toHexString((group + "/" + version + registry.inGroupVersion(group, version).size()).hashCode());
  }

  ObjectNode v3(List<ResourceType> types) {
    ObjectNode doc = Json.MAPPER.createObjectNode().put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
    ObjectNode paths = doc.putObject("paths");
    ObjectNode schemas = doc.putObject("components").putObject("schemas");
    for (ResourceType t : types) {
      String name = schemaName(t);
      ObjectNode schema = define(schemas, Json.MAPPER.constructType(t.modelClass()), name, "#/components/schemas/");
      ArrayNode gvk = schema.putArray("x-kubernetes-group-version-kind");
      gvk.addObject().put("group", t.group()).put("kind", t.kind()).put("version", t.version());
      addPaths(paths, t, "#/components/schemas/" + name);
    }
    return doc;
  }

  ObjectNode v2Document() {
    ObjectNode doc = Json.MAPPER.createObjectNode().put("swagger", "2.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
    doc.putObject("paths");
    ObjectNode defs = doc.putObject("definitions");
    for (ResourceType t : registry.all()) {
      String name = schemaName(t);
      ObjectNode schema = define(defs, Json.MAPPER.constructType(t.modelClass()), name, "#/definitions/");
      schema.putArray("x-kubernetes-group-version-kind").addObject().put("group", t.group()).put("kind", t.kind())
          .put("version", t.version());
    }
    return doc;
  }

  private static void addPaths(ObjectNode paths, ResourceType t, String ref) {
    String base = (t.group().isEmpty() ? "/api/" : "/apis/" + t.group() + "/") + t.version() + "/"
        + (t.namespaced() ? "namespaces/{namespace}/" : "") + t.plural();
    ObjectNode collection = paths.putObject(base);
    if (t.stored()) {
      operation(collection, "get", t, "list", ref, List.of("labelSelector", "fieldSelector", "limit", "continue", "watch", "resourceVersion"));
    }
    operation(collection, "post", t, "create", ref, List.of("dryRun", "fieldManager", "fieldValidation"));
    if (!t.stored()) return; // a review answers creates only
    ObjectNode item = paths.putObject(base + "/{name}");
    operation(item, "get", t, "get", ref, List.of());
    operation(item, "put", t, "update", ref, List.of("dryRun", "fieldManager", "fieldValidation"));
    operation(item, "patch", t, "patch", ref, List.of("dryRun", "fieldManager", "fieldValidation", "force"));
    operation(item, "delete", t, "delete", ref, List.of("dryRun", "gracePeriodSeconds", "propagationPolicy"));
  }

  private static void operation(ObjectNode pathItem, String method, ResourceType t, String action, String ref, List<String> params) {
    ObjectNode op = pathItem.putObject(method);
    op.put("operationId", action + t.kind());
    ArrayNode parameters = op.putArray("parameters");
    for (String p : params) {
      parameters.addObject().put("name", p).put("in", "query").put("schema", (String) null)
          .set("schema", Json.MAPPER.createObjectNode().put("type", p.equals("limit") || p.equals("gracePeriodSeconds") ? "integer" : "string"));
    }
    op.putObject("responses").putObject("200").put("description", "OK").putObject("content")
        .putObject("application/json").putObject("schema").put("$ref", ref);
    op.put("x-kubernetes-action", action);
    op.putObject("x-kubernetes-group-version-kind").put("group", t.group()).put("version", t.version()).put("kind", t.kind());
  }

  /** Kubernetes' schema names: io.k8s.api.apps.v1.Deployment and the like. */
  static String schemaName(ResourceType t) {
    String group = t.group().isEmpty() ? "core" : t.group().replace(".k8s.io", "").replace(".authorization", "");
    return "io.k8s.api." + group + "." + t.version() + "." + t.kind();
  }

  private static String nestedName(JavaType type) {
    String pkg = type.getRawClass().getPackageName().replace("io.fabric8.kubernetes.api.model", "model");
    return "io.gubernator." + pkg + "." + type.getRawClass().getSimpleName();
  }

  private ObjectNode define(ObjectNode schemas, JavaType type, String name, String refPrefix) {
    if (schemas.has(name)) return (ObjectNode) schemas.get(name);
    ObjectNode schema = schemas.putObject(name);
    schema.put("type", "object");
    ObjectNode props = schema.putObject("properties");
    Map<String, JavaType> properties = ModelSchema.properties(type);
    for (Map.Entry<String, JavaType> p : properties.entrySet()) {
      props.set(p.getKey(), schemaFor(schemas, p.getValue(), refPrefix));
    }
    List<String> required = RequiredFields.of(type.getRawClass()).stream().filter(properties::containsKey).toList();
    if (!required.isEmpty()) {
      ArrayNode list = schema.putArray("required");
      required.forEach(list::add);
    }
    return schema;
  }

  /**
   * A schema of its own for a type that is a string or a number on the wire, and a reference to it.
   * As in Kubernetes, v2 calls it a string (with a format) and v3 says "one of string or number"
   * without a type, which is what makes kubectl explain print the type's name. Both keep
   * x-kubernetes-int-or-string so that validation accepts either form.
   */
  private static JsonNode leaf(ObjectNode schemas, String refPrefix, String name, String format, String numberType) {
    if (!schemas.has(name)) {
      ObjectNode leaf = schemas.putObject(name);
      if (refPrefix.startsWith("#/components/")) {
        ArrayNode oneOf = leaf.putArray("oneOf");
        oneOf.addObject().put("type", "string");
        oneOf.addObject().put("type", numberType);
      } else {
        leaf.put("type", "string");
      }
      if (format != null) leaf.put("format", format);
      leaf.put("x-kubernetes-int-or-string", true);
    }
    return Json.MAPPER.createObjectNode().put("$ref", refPrefix + name);
  }

  private JsonNode schemaFor(ObjectNode schemas, JavaType t, String refPrefix) {
    Class<?> raw = t.getRawClass();
    ObjectNode s = Json.MAPPER.createObjectNode();
    if (raw == String.class || raw.isEnum()) return s.put("type", "string");
    if (raw == Integer.class || raw == int.class) return s.put("type", "integer").put("format", "int32");
    if (raw == Long.class || raw == long.class) return s.put("type", "integer").put("format", "int64");
    if (raw == Boolean.class || raw == boolean.class) return s.put("type", "boolean");
    if (raw == Double.class || raw == Float.class || raw == double.class) return s.put("type", "number").put("format", "double");
    // Named schemas, as in Kubernetes' spec, so that kubectl explain shows <Quantity> and <IntOrString>.
    if (raw == Quantity.class) return leaf(schemas, refPrefix, "io.k8s.apimachinery.pkg.api.resource.Quantity", null, "number");
    if (raw == IntOrString.class) return leaf(schemas, refPrefix, "io.k8s.apimachinery.pkg.util.intstr.IntOrString", "int-or-string", "integer");
    if (t.isCollectionLikeType() || t.isArrayType()) {
      s.put("type", "array");
      s.set("items", schemaFor(schemas, t.getContentType(), refPrefix));
      return s;
    }
    if (t.isMapLikeType()) {
      s.put("type", "object");
      s.set("additionalProperties", schemaFor(schemas, t.getContentType(), refPrefix));
      return s;
    }
    if (ModelSchema.isBean(t)) {
      String name = nestedName(t);
      if (raw == io.fabric8.kubernetes.api.model.ObjectMeta.class) name = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
      define(schemas, t, name, refPrefix);
      return s.put("$ref", refPrefix + name);
    }
    return s.put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
  }
}
