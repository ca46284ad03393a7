package io.gubernator.apiserver.it;

import static io.gubernator.apiserver.it.ApiServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kubernetes' HorizontalPodAutoscaler defaults, seen through both served versions (kubectl autoscale writes v2). */
class HorizontalPodAutoscalerDefaultsTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();

  @Test
  void atLeastOneReplicaAndEightyPercentCpuWhenUnsaid() throws Exception {
    HttpResponse<String> created = server.sendQuoted("POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
        "{'metadata':{'name':'web'},'spec':{'maxReplicas':3,'scaleTargetRef':{'apiVersion':'apps/v1','kind':'Deployment','name':'web'}}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode spec = json(created).path("spec");
    assertThat(spec.path("minReplicas").asInt()).isEqualTo(1);
    assertThat(spec.at("/metrics/0/resource/name").asText()).isEqualTo("cpu");
    assertThat(spec.at("/metrics/0/resource/target/averageUtilization").asInt()).isEqualTo(80);

    JsonNode v1 = json(server.send("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web", null));
    assertThat(v1.at("/spec/minReplicas").asInt()).isEqualTo(1);
    assertThat(v1.at("/spec/targetCPUUtilizationPercentage").asInt()).isEqualTo(80);

    HttpResponse<String> explicit = server.sendQuoted("POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
        "{'metadata':{'name':'mem'},'spec':{'minReplicas':2,'maxReplicas':3,'scaleTargetRef':{'apiVersion':'apps/v1','kind':'Deployment',"
            + "'name':'web'},'metrics':[{'type':'Resource','resource':{'name':'memory','target':{'type':'Utilization','averageUtilization':60}}}]}}");
    assertThat(json(explicit).at("/spec/minReplicas").asInt()).isEqualTo(2);
    assertThat(json(explicit).at("/spec/metrics").size()).isEqualTo(1);
    assertThat(json(explicit).at("/spec/metrics/0/resource/name").asText()).isEqualTo("memory");
  }
}
