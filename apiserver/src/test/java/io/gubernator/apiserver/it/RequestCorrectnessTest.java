package io.gubernator.apiserver.it;

import static io.gubernator.apiserver.it.ApiServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Percent-encoded paths, ListOptions validation and unconditional updates, as kube-apiserver answers them. */
class RequestCorrectnessTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();

  @Test
  void percentEncodedNamesAreDecodedAndAnEncodedSlashIsNoSeparator() throws Exception {
    assertThat(server.send("POST", "/api/v1/namespaces/default/configmaps",
        "{\"metadata\":{\"name\":\"abc\"},\"data\":{\"k\":\"v\"}}").statusCode()).isEqualTo(201);
    HttpResponse<String> got = server.send("GET", "/api/v1/namespaces/d%65fault/configmaps/%61bc", null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(json(got).at("/metadata/name").asText()).isEqualTo("abc");

    HttpResponse<String> slash = server.send("GET", "/api/v1/namespaces/default/configmaps/abc%2Fx", null);
    assertThat(slash.statusCode()).isEqualTo(400);
    assertThat(json(slash).path("message").asText()).isEqualTo("Name parameter invalid: \"abc/x\": may not contain '/'");
    assertThat(server.send("DELETE", "/api/v1/namespaces/default/configmaps/%2E%2E", null).statusCode()).isEqualTo(400);
  }

  @Test
  void unservedPathsAre404WithEmptyDetailsAndMissingObjectsNameThemselves() throws Exception {
    // kubectl tells "the feature is missing" (empty details) from "the object is missing" (named).
    for (String path : new String[] {"/api/v1/namespaces/default/configmaps/p/status", "/apis/nope.example.com/v1",
        "/api/v1/nonexistents"}) {
      HttpResponse<String> res = server.send("GET", path, null);
      assertThat(res.statusCode()).as(path).isEqualTo(404);
      JsonNode s = json(res);
      assertThat(s.path("reason").asText()).isEqualTo("NotFound");
      assertThat(s.path("message").asText()).isEqualTo("the server could not find the requested resource");
      assertThat(s.path("details").isObject()).as(path).isTrue();
      assertThat(s.path("details").size()).as(path).isZero();
    }
    HttpResponse<String> missing = server.send("GET", "/api/v1/namespaces/default/pods/p", null);
    assertThat(json(missing).at("/details/name").asText()).isEqualTo("p");
    assertThat(json(missing).at("/details/kind").asText()).isEqualTo("pods");
  }

  @Test
  void invalidListOptionsAre422WithFieldCauses() throws Exception {
    HttpResponse<String> noRv = server.send("GET", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact", null);
    assertThat(noRv.statusCode()).isEqualTo(422);
    JsonNode s = json(noRv);
    assertThat(s.path("reason").asText()).isEqualTo("Invalid");
    assertThat(s.at("/details/kind").asText()).isEqualTo("ListOptions");
    assertThat(s.at("/details/causes/0/field").asText()).isEqualTo("resourceVersionMatch");
    assertThat(s.path("message").asText()).contains("resourceVersionMatch is forbidden unless resourceVersion is provided");

    HttpResponse<String> bogus = server.send("GET", "/api/v1/pods?resourceVersion=1&resourceVersionMatch=Bogus", null);
    assertThat(bogus.statusCode()).isEqualTo(422);
    assertThat(json(bogus).at("/details/causes/0/reason").asText()).isEqualTo("FieldValueNotSupported");

    for (int i = 0; i < 2; i++) {
      server.send("POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"page" + i + "\"}}");
    }
    String token = json(server.send("GET", "/api/v1/namespaces/default/configmaps?limit=1", null)).at("/metadata/continue").asText();
    assertThat(token).isNotEmpty();
    HttpResponse<String> withContinue = server.send("GET", "/api/v1/namespaces/default/configmaps?limit=1&continue=" + token
        + "&resourceVersion=0&resourceVersionMatch=NotOlderThan", null);
    assertThat(withContinue.statusCode()).isEqualTo(422);
    assertThat(json(withContinue).path("message").asText()).contains("resourceVersionMatch is forbidden when continue is provided");
    // Kubernetes' storage answers a continue with a resourceVersion (other than 0) with a 400, as before.
    assertThat(server.send("GET", "/api/v1/namespaces/default/configmaps?limit=1&continue=" + token + "&resourceVersion=5", null)
        .statusCode()).isEqualTo(400);

    HttpResponse<String> initial = server.send("GET", "/api/v1/pods?sendInitialEvents=true", null);
    assertThat(initial.statusCode()).isEqualTo(422);
    assertThat(json(initial).at("/details/causes/0/field").asText()).isEqualTo("sendInitialEvents");
    assertThat(server.send("DELETE", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact", null).statusCode()).isEqualTo(422);
  }

  @Test
  void aPutWithoutResourceVersionIsUnconditional() throws Exception {
    String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"u1\",\"labels\":{\"v\":\"%s\"}},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
    assertThat(server.send("POST", "/api/v1/namespaces/default/pods", pod.formatted("1")).statusCode()).isEqualTo(201);
    HttpResponse<String> put = server.send("PUT", "/api/v1/namespaces/default/pods/u1", pod.formatted("2"));
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(json(put).at("/metadata/labels/v").asText()).isEqualTo("2");
    // With a resourceVersion, it is still a precondition.
    String stale = pod.formatted("3").replace("\"name\":\"u1\"", "\"name\":\"u1\",\"resourceVersion\":\"1\"");
    assertThat(server.send("PUT", "/api/v1/namespaces/default/pods/u1", stale).statusCode()).isEqualTo(409);
  }
}
