package io.gubernator.apiserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gubernator.api.serialization.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Percent-encoded paths, ListOptions validation and unconditional updates, as kube-apiserver answers them. */
class RequestCorrectnessTest {

  @TempDir
  static Path dir;
  static ApiServerFixture server;

  @BeforeAll
  static void start() throws Exception {
    server = ApiServerFixture.start(dir);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static HttpResponse<String> send(String method, String path, String json) throws Exception {
    return server.send(method, path, "application/json", json);
  }

  private static JsonNode body(HttpResponse<String> r) {
    return Json.parseObject(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void percentEncodedNamesAreDecodedAndAnEncodedSlashIsNoSeparator() throws Exception {
    assertThat(send("POST", "/api/v1/namespaces/default/configmaps",
        "{\"metadata\":{\"name\":\"abc\"},\"data\":{\"k\":\"v\"}}").statusCode()).isEqualTo(201);
    HttpResponse<String> got = send("GET", "/api/v1/namespaces/d%65fault/configmaps/%61bc", null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(body(got).at("/metadata/name").asText()).isEqualTo("abc");

    HttpResponse<String> slash = send("GET", "/api/v1/namespaces/default/configmaps/abc%2Fx", null);
    assertThat(slash.statusCode()).isEqualTo(400);
    assertThat(body(slash).path("message").asText()).isEqualTo("Name parameter invalid: \"abc/x\": may not contain '/'");
    assertThat(send("DELETE", "/api/v1/namespaces/default/configmaps/%2E%2E", null).statusCode()).isEqualTo(400);
  }

  @Test
  void invalidListOptionsAre422WithFieldCauses() throws Exception {
    HttpResponse<String> noRv = send("GET", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact", null);
    assertThat(noRv.statusCode()).isEqualTo(422);
    JsonNode s = body(noRv);
    assertThat(s.path("reason").asText()).isEqualTo("Invalid");
    assertThat(s.at("/details/kind").asText()).isEqualTo("ListOptions");
    assertThat(s.at("/details/causes/0/field").asText()).isEqualTo("resourceVersionMatch");
    assertThat(s.path("message").asText()).contains("resourceVersionMatch is forbidden unless resourceVersion is provided");

    HttpResponse<String> bogus = send("GET", "/api/v1/pods?resourceVersion=1&resourceVersionMatch=Bogus", null);
    assertThat(bogus.statusCode()).isEqualTo(422);
    assertThat(body(bogus).at("/details/causes/0/reason").asText()).isEqualTo("FieldValueNotSupported");

    for (int i = 0; i < 2; i++) {
      send("POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"page" + i + "\"}}");
    }
    String token = body(send("GET", "/api/v1/namespaces/default/configmaps?limit=1", null)).at("/metadata/continue").asText();
    assertThat(token).isNotEmpty();
    HttpResponse<String> withContinue = send("GET", "/api/v1/namespaces/default/configmaps?limit=1&continue=" + token
        + "&resourceVersion=0&resourceVersionMatch=NotOlderThan", null);
    assertThat(withContinue.statusCode()).isEqualTo(422);
    assertThat(body(withContinue).path("message").asText()).contains("resourceVersionMatch is forbidden when continue is provided");
    // Kubernetes' storage answers a continue with a resourceVersion (other than 0) with a 400, as before.
    assertThat(send("GET", "/api/v1/namespaces/default/configmaps?limit=1&continue=" + token + "&resourceVersion=5", null)
        .statusCode()).isEqualTo(400);

    HttpResponse<String> initial = send("GET", "/api/v1/pods?sendInitialEvents=true", null);
    assertThat(initial.statusCode()).isEqualTo(422);
    assertThat(body(initial).at("/details/causes/0/field").asText()).isEqualTo("sendInitialEvents");
    assertThat(send("DELETE", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact", null).statusCode()).isEqualTo(422);
  }

  @Test
  void aPutWithoutResourceVersionIsUnconditional() throws Exception {
    String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"u1\",\"labels\":{\"v\":\"%s\"}},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
    assertThat(send("POST", "/api/v1/namespaces/default/pods", pod.formatted("1")).statusCode()).isEqualTo(201);
    HttpResponse<String> put = send("PUT", "/api/v1/namespaces/default/pods/u1", pod.formatted("2"));
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(body(put).at("/metadata/labels/v").asText()).isEqualTo("2");
    // With a resourceVersion, it is still a precondition.
    String stale = pod.formatted("3").replace("\"name\":\"u1\"", "\"name\":\"u1\",\"resourceVersion\":\"1\"");
    assertThat(send("PUT", "/api/v1/namespaces/default/pods/u1", stale).statusCode()).isEqualTo(409);
  }
}
