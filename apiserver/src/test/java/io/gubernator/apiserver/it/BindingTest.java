package io.gubernator.apiserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gubernator.api.serialization.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pods/binding subresource: nodeName and PodScheduled in one write, one watch event. */
class BindingTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    http = server.httpClient();
  }

  @Test
  void bindingSetsNodeNameAndPodScheduledInOneWrite() throws Exception {
    HttpResponse<String> created = server.send("POST", "/api/v1/namespaces/default/pods",
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"b1\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
    assertThat(created.statusCode()).isEqualTo(201);
    String rv = Json.MAPPER.readTree(created.body()).path("metadata").path("resourceVersion").asText();
    HttpRequest watch = HttpRequest.newBuilder(URI.create(server.url()
        + "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=3&fieldSelector=metadata.name%3Db1&resourceVersion=" + rv)).build();
    HttpResponse<InputStream> stream = http.send(watch, HttpResponse.BodyHandlers.ofInputStream());

    HttpResponse<String> bound = server.send("POST", "/api/v1/namespaces/default/pods/b1/binding",
        "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"b1\"},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"n1\"}}");
    assertThat(bound.statusCode()).isEqualTo(201);
    assertThat(Json.MAPPER.readTree(bound.body()).path("status").asText()).isEqualTo("Success");

    List<JsonNode> events = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) events.add(Json.MAPPER.readTree(line));
    }
    assertThat(events).hasSize(1);
    JsonNode pod = events.get(0).path("object");
    assertThat(events.get(0).path("type").asText()).isEqualTo("MODIFIED");
    assertThat(pod.path("spec").path("nodeName").asText()).isEqualTo("n1");
    JsonNode condition = pod.path("status").path("conditions").get(0);
    assertThat(condition.path("type").asText()).isEqualTo("PodScheduled");
    assertThat(condition.path("status").asText()).isEqualTo("True");

    HttpResponse<String> again = server.send("POST", "/api/v1/namespaces/default/pods/b1/binding",
        "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"b1\"},\"target\":{\"name\":\"n2\"}}");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("is already assigned to node \\\"n1\\\"");
  }
}
