package io.gubernator.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.serialization.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/** Writing objects and {@code Status} errors in the negotiated encoding. */
public final class Responses {

  private Responses() {}

  public static ObjectNode status(StatusException e) {
    ObjectNode s = Json.MAPPER.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure").put("message", e.getMessage()).put("reason", e.reason());
    if (e.name() != null || e.kind() != null || !e.causes().isEmpty() || e.retryAfterSeconds() != null) {
      ObjectNode d = s.putObject("details");
      if (e.name() != null) d.put("name", e.name());
      if (e.group() != null && !e.group().isEmpty()) d.put("group", e.group());
      if (e.kind() != null) d.put("kind", e.kind());
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

  public static void writeStatus(HttpServerResponse response, StatusException e) {
    if (response.ended() || response.closed()) return;
    if (e.code() == 401) response.putHeader("WWW-Authenticate", "Bearer realm=\"gubernator\"");
    if (e.retryAfterSeconds() != null) response.putHeader("Retry-After", e.retryAfterSeconds().toString());
    write(response, e.code(), status(e), false, List.of());
  }

  public static void text(HttpServerResponse response, int code, String contentType, String body) {
    if (response.ended() || response.closed()) return;
    response.setStatusCode(code).putHeader("Content-Type", contentType).end(body);
  }
}
