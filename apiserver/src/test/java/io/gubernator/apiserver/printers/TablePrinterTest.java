package io.gubernator.apiserver.printers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TablePrinterTest {

  static Stream<Arguments> durations() {
    return Stream.of(
        Arguments.of(Duration.ofSeconds(5), "5s"),
        Arguments.of(Duration.ofSeconds(119), "119s"),
        Arguments.of(Duration.ofSeconds(150), "2m30s"),
        Arguments.of(Duration.ofMinutes(10), "10m"),
        Arguments.of(Duration.ofMinutes(200), "3h20m"),
        Arguments.of(Duration.ofHours(30), "30h"),
        Arguments.of(Duration.ofHours(50), "2d2h"),
        Arguments.of(Duration.ofDays(30), "30d"),
        Arguments.of(Duration.ofDays(800), "2y70d"));
  }

  @ParameterizedTest(name = "{0} prints as {1}")
  @MethodSource("durations")
  void agesReadAsKubectlPrintsThem(Duration d, String expected) {
    assertThat(TablePrinter.humanDuration(d)).isEqualTo(expected);
  }

  @Test
  void deploymentRowHasKubernetesColumnsAndWideOnesAtPriorityOne() throws Exception {
    ObjectNode deploy = (ObjectNode) Json.MAPPER.readTree("""
        {"metadata":{"name":"web","creationTimestamp":"2020-01-01T00:00:00Z"},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}},
         "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}""");
    ObjectNode table = TablePrinter.table("apps/deployments", List.of(deploy), "7", null, null, null, true);
    List<String> names = table.path("columnDefinitions").findValuesAsText("name");
    assertThat(names).containsExactly("Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector");
    assertThat(table.path("columnDefinitions").get(5).path("priority").asInt()).isEqualTo(1);
    var cells = table.path("rows").get(0).path("cells");
    assertThat(cells.get(0).asText()).isEqualTo("web");
    assertThat(cells.get(1).asText()).isEqualTo("2/3");
    assertThat(cells.get(2).asInt()).isEqualTo(3);
    assertThat(cells.get(6).asText()).isEqualTo("nginx:1.27");
    assertThat(cells.get(7).asText()).isEqualTo("app=web");
    assertThat(table.path("rows").get(0).path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");
  }

  @Test
  void podStatusShowsTheWaitingReasonOfAContainer() throws Exception {
    ObjectNode pod = (ObjectNode) Json.MAPPER.readTree("""
        {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},
         "status":{"phase":"Pending","containerStatuses":[{"name":"c","ready":false,"restartCount":4,
           "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}""");
    var cells = TablePrinter.table("core/pods", List.of(pod), "1", null, null, "None", true).path("rows").get(0).path("cells");
    assertThat(cells.get(1).asText()).isEqualTo("0/1");
    assertThat(cells.get(2).asText()).isEqualTo("CrashLoopBackOff");
    assertThat(cells.get(3).asInt()).isEqualTo(4);
  }

  @Test
  void endpointSliceRowShowsAddressTypePortsAndAtMostThreeAddresses() throws Exception {
    ObjectNode slice = (ObjectNode) Json.MAPPER.readTree("""
        {"metadata":{"name":"web-abcde","creationTimestamp":"2020-01-01T00:00:00Z"},"addressType":"IPv4",
         "ports":[{"name":"http","port":80},{"name":"all"}],
         "endpoints":[{"addresses":["10.42.0.5"]},{"addresses":["10.42.0.6"]},{"addresses":["10.42.0.7"]},{"addresses":["10.42.0.8"]}]}""");
    ObjectNode empty = (ObjectNode) Json.MAPPER.readTree("""
        {"metadata":{"name":"none","creationTimestamp":"2020-01-01T00:00:00Z"},"addressType":"IPv4"}""");
    ObjectNode table = TablePrinter.table("discovery.k8s.io/endpointslices", List.of(slice, empty), "7", null, null, null, true);
    assertThat(table.path("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "AddressType", "Ports", "Endpoints", "Age");
    var cells = table.path("rows").get(0).path("cells");
    assertThat(cells.get(1).asText()).isEqualTo("IPv4");
    assertThat(cells.get(2).asText()).isEqualTo("80,all");
    assertThat(cells.get(3).asText()).isEqualTo("10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...");
    var none = table.path("rows").get(1).path("cells");
    assertThat(none.get(2).asText()).isEqualTo("<unset>");
    assertThat(none.get(3).asText()).isEqualTo("<unset>");
  }
}
