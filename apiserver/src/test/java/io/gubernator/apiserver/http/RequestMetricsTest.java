package io.gubernator.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RequestMetricsTest {

  @ParameterizedTest(name = "{0} {1} watch={2} is {3}")
  @CsvSource({
      "GET, /api/v1/namespaces/a/pods, false, LIST",
      "GET, /api/v1/namespaces/a/pods, true, WATCH",
      "GET, /api/v1/namespaces/a/pods/p, false, GET",
      "POST, /api/v1/namespaces/a/pods, false, POST",
      "DELETE, /api/v1/namespaces/a/pods, false, DELETECOLLECTION",
      "DELETE, /api/v1/namespaces/a/pods/p, false, DELETE",
      "PATCH, /apis/apps/v1/namespaces/a/deployments/d, false, PATCH",
      "GET, /healthz, false, GET"})
  void verbsAreNamedAsKubernetesNamesThem(String method, String path, boolean watch, String verb) {
    assertThat(RequestMetrics.verb(method, RequestInfo.parse(path), watch)).isEqualTo(verb);
  }

  @Test
  void requestsAreCountedUnderKubernetesMetricNames() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RequestMetrics metrics = new RequestMetrics(registry);
    metrics.record("POST", RequestInfo.parse("/apis/apps/v1/namespaces/a/deployments"), false, 201, 1_000_000);
    metrics.record("POST", RequestInfo.parse("/apis/apps/v1/namespaces/a/deployments"), false, 201, 2_000_000);
    String scrape = registry.scrape();
    assertThat(scrape).contains("apiserver_request_total{code=\"201\",component=\"apiserver\",group=\"apps\","
        + "resource=\"deployments\",scope=\"namespace\",subresource=\"\",verb=\"POST\",version=\"v1\"} 2.0");
    assertThat(scrape).contains("apiserver_request_duration_seconds_count{");
  }
}
