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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Objects served as meta.k8s.io PartialObjectMetadata (GET, watch) and PartialObjectMetadataList
 * (LIST), as metadata-only clients such as the garbage collector's informers ask for them.
 */
class PartialObjectMetadataTest {

  static final String AS_PARTIAL = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
  static final String AS_PARTIAL_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    http = server.httpClient();
  }

  private static HttpResponse<String> send(String method, String path, String accept, String json) throws Exception {
    return server.send(method, path, accept, json);
  }

  @Test
  void getListAndWatchServeOnlyMetadata() throws Exception {
    HttpResponse<String> created = send("POST", "/api/v1/namespaces/default/configmaps", AS_PARTIAL,
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"pm1\",\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}");
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode c = Json.MAPPER.readTree(created.body());
    assertThat(c.path("kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(c.has("data")).isFalse();

    HttpResponse<String> got = send("GET", "/api/v1/namespaces/default/configmaps/pm1", AS_PARTIAL + ", application/json", null);
    assertThat(got.statusCode()).isEqualTo(200);
    JsonNode g = Json.MAPPER.readTree(got.body());
    assertThat(g.path("kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(g.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
    assertThat(g.path("metadata").path("name").asText()).isEqualTo("pm1");
    assertThat(g.path("metadata").path("labels").path("a").asText()).isEqualTo("b");
    assertThat(g.path("metadata").path("uid").asText()).isNotEmpty();
    assertThat(g.has("data")).isFalse();

    HttpResponse<String> listed = send("GET", "/api/v1/namespaces/default/configmaps?labelSelector=a%3Db", AS_PARTIAL_LIST, null);
    assertThat(listed.statusCode()).isEqualTo(200);
    JsonNode l = Json.MAPPER.readTree(listed.body());
    assertThat(l.path("kind").asText()).isEqualTo("PartialObjectMetadataList");
    assertThat(l.path("metadata").path("resourceVersion").asText()).isNotEmpty();
    assertThat(l.path("items")).hasSize(1);
    assertThat(l.path("items").get(0).path("kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(l.path("items").get(0).path("metadata").path("name").asText()).isEqualTo("pm1");
    assertThat(l.path("items").get(0).has("data")).isFalse();

    // A list asked for as a single object's transformation (and the reverse) is not acceptable.
    assertThat(send("GET", "/api/v1/namespaces/default/configmaps", AS_PARTIAL, null).statusCode()).isEqualTo(406);
    assertThat(send("GET", "/api/v1/namespaces/default/configmaps/pm1", AS_PARTIAL_LIST, null).statusCode()).isEqualTo(406);

    String rv = l.path("metadata").path("resourceVersion").asText();
    HttpRequest watch = HttpRequest.newBuilder(URI.create(server.url()
        + "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=10&resourceVersion=" + rv)).header("Accept", AS_PARTIAL).build();
    HttpResponse<InputStream> stream = http.send(watch, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(send("PUT", "/api/v1/namespaces/default/configmaps/pm1", "application/json",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"pm1\",\"labels\":{\"a\":\"c\"}},\"data\":{\"k\":\"w\"}}")
        .statusCode()).isEqualTo(200);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      JsonNode event = Json.MAPPER.readTree(r.readLine());
      assertThat(event.path("type").asText()).isEqualTo("MODIFIED");
      assertThat(event.path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");
      assertThat(event.path("object").path("metadata").path("labels").path("a").asText()).isEqualTo("c");
      assertThat(event.path("object").has("data")).isFalse();
    }
  }
}
