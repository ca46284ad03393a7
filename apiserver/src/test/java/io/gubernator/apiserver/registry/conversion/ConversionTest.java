package io.gubernator.apiserver.registry.conversion;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import org.junit.jupiter.api.Test;

class ConversionTest {

  private static ObjectNode json(String s) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(s);
  }

  @Test
  void hpaV2WithMoreThanV1CanSayRoundTripsThroughV1Unchanged() throws Exception {
    ObjectNode v2 = json("""
        {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},
         "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"minReplicas":1,"maxReplicas":5,
           "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}},
                      {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}}],
           "behavior":{"scaleDown":{"stabilizationWindowSeconds":30}}},
         "status":{"currentReplicas":2,"desiredReplicas":3,
           "currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":40}}}],
           "conditions":[{"type":"AbleToScale","status":"True"}]}}""");
    HorizontalPodAutoscalerV1 c = new HorizontalPodAutoscalerV1();
    ObjectNode v1 = c.fromStorage(v2);
    assertThat(v1.path("apiVersion").asText()).isEqualTo("autoscaling/v1");
    assertThat(v1.at("/spec/targetCPUUtilizationPercentage").asInt()).isEqualTo(60);
    assertThat(v1.at("/status/currentCPUUtilizationPercentage").asInt()).isEqualTo(40);
    assertThat(v1.at("/spec/metrics").isMissingNode()).isTrue();
    ObjectNode back = c.toStorage(v1);
    assertThat(back).isEqualTo(v2);
    assertThat(v2.path("apiVersion").asText()).as("the stored object is not modified").isEqualTo("autoscaling/v2");
  }

  @Test
  void eventsV1IsTheCoreEventUnderNewNames() throws Exception {
    ObjectNode core = json("""
        {"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"default"},
         "involvedObject":{"kind":"Pod","name":"p"},"message":"hi","reason":"R","count":3,
         "source":{"component":"kubelet"},"reportingComponent":"kubelet","type":"Normal"}""");
    EventsV1 c = new EventsV1();
    ObjectNode v1 = c.fromStorage(core);
    assertThat(v1.path("apiVersion").asText()).isEqualTo("events.k8s.io/v1");
    assertThat(v1.path("note").asText()).isEqualTo("hi");
    assertThat(v1.at("/regarding/name").asText()).isEqualTo("p");
    assertThat(v1.path("deprecatedCount").asInt()).isEqualTo(3);
    assertThat(v1.path("reportingController").asText()).isEqualTo("kubelet");
    assertThat(c.toStorage(v1)).isEqualTo(core);
  }
}
