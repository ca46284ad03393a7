package io.gubernator.apiserver.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * kube-apiserver's request metrics, under its names: {@code apiserver_request_total} and
 * {@code apiserver_request_duration_seconds}, labelled by verb, group, version, resource,
 * subresource, scope and (for the counter) code.
 */
public final class RequestMetrics {

  private final MeterRegistry registry;

  public RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void record(String method, RequestInfo info, boolean watch, int code, long nanos) {
    String verb = verb(method, info, watch);
    String group = info == null || info.group() == null ? "" : info.group();
    String version = info == null || info.version() == null ? "" : info.version();
    String resource = info == null || info.resource() == null ? "" : info.resource();
    String sub = info == null || info.subresource() == null ? "" : info.subresource();
    String scope = info == null || !info.resourceRequest() ? "" : info.name() != null ? "resource"
        : info.namespace() != null ? "namespace" : "cluster";
    Tags tags = Tags.of("verb", verb, "group", group, "version", version, "resource", resource,
        "subresource", sub, "scope", scope, "component", "apiserver");
    registry.counter("apiserver.request", tags.and("code", Integer.toString(code))).increment();
    if (!watch) {
      Timer.builder("apiserver.request.duration").tags(tags)
          .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
              Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(5))
          .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Kubernetes' verbs for metrics: GET splits into LIST and WATCH, POST is a create. */
  static String verb(String method, RequestInfo info, boolean watch) {
    if (info == null || !info.resourceRequest()) return method;
    return switch (method) {
      case "GET" -> watch ? "WATCH" : info.name() == null ? "LIST" : "GET";
      case "POST" -> "POST";
      case "DELETE" -> info.name() == null ? "DELETECOLLECTION" : "DELETE";
      default -> method;
    };
  }
}
