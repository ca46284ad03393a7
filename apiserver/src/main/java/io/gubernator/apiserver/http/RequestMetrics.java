package io.gubernator.apiserver.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * kube-apiserver's request metrics, under its names: {@code apiserver_request_total} and
 * {@code apiserver_request_duration_seconds}, labelled by verb, group, version, resource,
 * subresource, scope and (for the counter) code.
 */
public final class RequestMetrics {

  private final MeterRegistry registry;
  // Meters are looked up once per label set: building a Timer with its SLO buckets on every request
  // cost more than the rest of the bookkeeping together.
  private final ConcurrentHashMap<Key, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Timer> timers = new ConcurrentHashMap<>();

  private record Key(String verb, String group, String version, String resource, String sub, String scope, int code) {
    Tags tags() {
      return Tags.of("verb", verb, "group", group, "version", version, "resource", resource,
          "subresource", sub, "scope", scope, "component", "apiserver");
    }
  }

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
    Key key = new Key(verb, group, version, resource, sub, scope, code);
    counters.computeIfAbsent(key, k -> registry.counter("apiserver.request", k.tags().and("code", Integer.toString(code))))
        .increment();
    if (!watch) {
      Key timerKey = new Key(verb, group, version, resource, sub, scope, 0);
      timers.computeIfAbsent(timerKey, k -> Timer.builder("apiserver.request.duration").tags(k.tags())
          .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
              Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(5))
          .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
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
