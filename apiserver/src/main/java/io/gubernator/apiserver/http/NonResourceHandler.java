package io.gubernator.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.discovery.Discovery;
import io.gubernator.apiserver.openapi.OpenApi;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Discovery, version, health checks, metrics and OpenAPI: the paths that are not resources. */
public final class NonResourceHandler {

  public static final String GIT_VERSION = "v1.32.0-gubernator";

  private final Discovery discovery;
  private final OpenApi openApi;
  private final PrometheusMeterRegistry metrics;
  private final Map<String, BooleanSupplier> readyChecks;
  private final String serverAddress;

  public NonResourceHandler(Discovery discovery, OpenApi openApi, PrometheusMeterRegistry metrics,
      Map<String, BooleanSupplier> readyChecks, String serverAddress) {
    this.discovery = discovery;
    this.openApi = openApi;
    this.metrics = metrics;
    this.readyChecks = new LinkedHashMap<>(readyChecks);
    this.serverAddress = serverAddress;
  }

  public void handle(ApiRequest req, HttpServerResponse res, HttpServerRequest raw) {
    if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
      throw StatusException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    String path = req.info().path();
    List<String> parts = req.info().parts();
    String accept = req.headers().get("Accept");
    switch (path) {
      case "/version" -> {
        Responses.write(res, 200, version(), false, List.of());
        return;
      }
      case "/healthz", "/livez" -> {
        health(req, res, Map.of("ping", () -> true));
        return;
      }
      case "/readyz" -> {
        health(req, res, readyChecks);
        return;
      }
      case "/metrics" -> {
        Responses.text(res, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        return;
      }
      case "/api" -> {
        String v = aggregatedVersion(accept);
        if (v != null) discoveryResponse(res, discovery.aggregated(true, v), v);
        else Responses.write(res, 200, discovery.apiVersions(serverAddress), false, List.of());
        return;
      }
      case "/apis" -> {
        String v = aggregatedVersion(accept);
        if (v != null) discoveryResponse(res, discovery.aggregated(false, v), v);
        else Responses.write(res, 200, discovery.apiGroupList(), false, List.of());
        return;
      }
      default -> { }
    }
    if (path.startsWith("/openapi/")) {
      openApi.handle(req, res);
      return;
    }
    if (parts.size() == 2 && parts.get(0).equals("api")) {
      writeOrNotFound(res, discovery.apiResourceList("", parts.get(1)));
      return;
    }
    if (parts.size() == 2 && parts.get(0).equals("apis")) {
      writeOrNotFound(res, discovery.apiGroup(parts.get(1)));
      return;
    }
    if (parts.size() == 3 && parts.get(0).equals("apis")) {
      writeOrNotFound(res, discovery.apiResourceList(parts.get(1), parts.get(2)));
      return;
    }
    if ((path.startsWith("/healthz/") || path.startsWith("/livez/")) && parts.size() == 2 && parts.get(1).equals("ping")) {
      Responses.text(res, 200, "text/plain; charset=utf-8", "ok");
      return;
    }
    if (path.startsWith("/readyz/") && parts.size() == 2 && readyChecks.containsKey(parts.get(1))) {
      boolean ok = readyChecks.get(parts.get(1)).getAsBoolean();
      Responses.text(res, ok ? 200 : 500, "text/plain; charset=utf-8", ok ? "ok" : "[-]" + parts.get(1) + " failed: reason withheld");
      return;
    }
    throw StatusException.noRoute();
  }

  private static String aggregatedVersion(String accept) {
    for (MediaTypes.MediaType m : MediaTypes.parseList(accept)) {
      if ("APIGroupDiscoveryList".equals(m.param("as")) && "apidiscovery.k8s.io".equals(m.param("g"))
          && m.is(MediaTypes.JSON) && ("v2".equals(m.param("v")) || "v2beta1".equals(m.param("v")))) {
        return m.param("v");
      }
      if (m.is(MediaTypes.JSON) && m.params().isEmpty()) return null;
    }
    return null;
  }

  private static void discoveryResponse(HttpServerResponse res, ObjectNode body, String version) {
    res.setStatusCode(200)
        .putHeader("Content-Type", "application/json;g=apidiscovery.k8s.io;v=" + version + ";as=APIGroupDiscoveryList")
        .putHeader("Cache-Control", "no-cache, private")
        .end(io.vertx.core.buffer.Buffer.buffer(Json.bytes(body)));
  }

  private static void writeOrNotFound(HttpServerResponse res, ObjectNode body) {
    if (body == null) throw StatusException.noRoute();
    Responses.write(res, 200, body, false, List.of());
  }

  private static ObjectNode version() {
    return Json.MAPPER.createObjectNode().put("major", "1").put("minor", "32").put("gitVersion", GIT_VERSION)
        .put("gitCommit", "unknown").put("gitTreeState", "clean").put("buildDate", "1970-01-01T00:00:00Z")
        .put("goVersion", "java" + Runtime.version().feature()).put("compiler", "javac")
        .put("platform", System.getProperty("os.name").toLowerCase() + "/" + arch());
  }

  private static String arch() {
    String a = System.getProperty("os.arch");
    return a.equals("x86_64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
  }

  private static void health(ApiRequest req, HttpServerResponse res, Map<String, BooleanSupplier> checks) {
    StringBuilder out = new StringBuilder();
    boolean ok = true;
    for (Map.Entry<String, BooleanSupplier> c : checks.entrySet()) {
      boolean passed = c.getValue().getAsBoolean();
      ok &= passed;
      out.append(passed ? "[+]" : "[-]").append(c.getKey()).append(passed ? " ok\n" : " failed: reason withheld\n");
    }
    String name = req.info().path().substring(1);
    if (req.params().contains("verbose")) {
      out.append(name).append(ok ? " check passed\n" : " check failed\n");
      Responses.text(res, ok ? 200 : 500, "text/plain; charset=utf-8", out.toString());
    } else {
      Responses.text(res, ok ? 200 : 500, "text/plain; charset=utf-8", ok ? "ok" : out + name + " check failed");
    }
  }
}
