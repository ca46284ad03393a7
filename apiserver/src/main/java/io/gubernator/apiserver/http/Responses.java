package io.gubernator.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.serialization.Json;
import io.gubernator.api.serialization.Protobuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/** Writing objects and {@code Status} errors in the negotiated encoding. */
public final class Responses {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Responses.class);

  private Responses() {}

  public static ObjectNode status(StatusException e) {
    ObjectNode s = Json.MAPPER.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure").put("message", e.getMessage()).put("reason", e.reason());
    if (e.name() != null || e.kind() != null || !e.causes().isEmpty() || e.retryAfterSeconds() != null) {
      ObjectNode d = s.putObject("details");
      if (e.name() != null && !e.name().isEmpty()) d.put("name", e.name());
      if (e.group() != null && !e.group().isEmpty()) d.put("group", e.group());
      if (e.kind() != null && !e.kind().isEmpty()) d.put("kind", e.kind());
      if (!e.causes().isEmpty()) {
        var causes = d.putArray("causes");
        for (StatusException.Cause c : e.causes()) {
          ObjectNode cn = causes.addObject().put("reason", c.reason()).put("message", c.message());
          if (c.field() != null) cn.put("field", c.field());
        }
      }
      if (e.retryAfterSeconds() != null) d.put("retryAfterSeconds", e.retryAfterSeconds());
    }
    s.put("code", e.code());
    return s;
  }

  public static ObjectNode success(String name, String group, String kind, String uid) {
    ObjectNode s = Json.MAPPER.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Success");
    ObjectNode d = s.putObject("details").put("name", name).put("group", group).put("kind", kind);
    if (uid != null) d.put("uid", uid);
    return s;
  }

  /** Writes {@code body} as YAML when the client asked for it, else JSON. */
  public static void write(HttpServerResponse response, int code, Object body, boolean yaml, List<String> warnings) {
    if (response.ended() || response.closed()) return;
    response.setStatusCode(code);
    for (String w : warnings) response.headers().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
    byte[] bytes = yaml ? Json.yamlBytes(body) : Json.bytes(body);
    response.putHeader("Content-Type", yaml ? MediaTypes.YAML : MediaTypes.JSON);
    response.putHeader("Cache-Control", "no-cache, private");
    response.end(Buffer.buffer(bytes));
  }

  /**
   * Writes an object in the negotiated encoding: Kubernetes protobuf when chosen and the object's
   * kind has a message (else the next acceptable encoding, else 406), YAML or JSON.
   */
  static void write(HttpServerResponse response, int code, ObjectNode body, ResourceHandler.Output out, List<String> warnings) {
    if (!out.protobuf()) {
      write(response, code, body, out.yaml(), warnings);
      return;
    }
    byte[] bytes;
    try {
      bytes = Protobuf.encode(body);
    } catch (RuntimeException e) {
      if (out.fallback() == null) {
        throw e instanceof StatusException s ? s : StatusException.notAcceptable("the object cannot be encoded as protobuf: " + e.getMessage());
      }
      LOG.debug("protobuf encoding failed, answering in the fallback encoding: kind={} error={}", body.path("kind").asText(), e.toString());
      write(response, code, body, out.fallback().yaml(), warnings);
      return;
    }
    if (response.ended() || response.closed()) return;
    response.setStatusCode(code);
    for (String w : warnings) response.headers().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
    response.putHeader("Content-Type", MediaTypes.PROTOBUF);
    response.putHeader("Cache-Control", "no-cache, private");
    response.end(Buffer.buffer(bytes));
  }

  public static void writeStatus(HttpServerResponse response, StatusException e) {
    writeStatus(response, e, null);
  }

  /**
   * Writes an error as a Status: in protobuf when the client accepts only Kubernetes protobuf
   * ({@code accept}, the request's Accept header), else in JSON.
   */
  public static void writeStatus(HttpServerResponse response, StatusException e, String accept) {
    if (response.ended() || response.closed()) return;
    if (e.code() == 401) response.putHeader("WWW-Authenticate", "Bearer realm=\"gubernator\"");
    if (e.retryAfterSeconds() != null) response.putHeader("Retry-After", e.retryAfterSeconds().toString());
    if (protobufOnly(accept)) {
      write(response, e.code(), status(e), new ResourceHandler.Output(false, false, null, null, true, ResourceHandler.Output.JSON), List.of());
      return;
    }
    write(response, e.code(), status(e), false, List.of());
  }

  /** Whether Kubernetes protobuf is among the accepted types and JSON, YAML and wildcards are not. */
  static boolean protobufOnly(String accept) {
    boolean protobuf = false;
    for (MediaTypes.MediaType m : MediaTypes.parseList(accept)) {
      if (m.is(MediaTypes.PROTOBUF) && m.param("as") == null) protobuf = true;
      else if (m.is(MediaTypes.JSON) || m.is(MediaTypes.YAML) || m.is("*/*") || m.is("application/*")) return false;
    }
    return protobuf;
  }

  public static void text(HttpServerResponse response, int code, String contentType, String body) {
    if (response.ended() || response.closed()) return;
    response.setStatusCode(code).putHeader("Content-Type", contentType).end(body);
  }
}
