package io.gubernator.apiserver.it;

import static io.gubernator.apiserver.it.ApiServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** pods/ephemeralcontainers as kubectl debug uses it, and Kubernetes' rules for ephemeral containers. */
class EphemeralContainersTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();

  private static final String PODS = "/api/v1/namespaces/default/pods";

  private static void createPod(String name) throws Exception {
    HttpResponse<String> created = server.sendQuoted("POST", PODS,
        "{'metadata':{'name':'" + name + "'},'spec':{'containers':[{'name':'app','image':'busybox:1'}]}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  /** A strategic merge patch of the subresource, as kubectl debug sends it. */
  private static HttpResponse<String> addEphemeral(String pod, String containersJson) throws Exception {
    String body = ("{'spec':{'ephemeralContainers':" + containersJson + "}}").replace('\'', '"');
    HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + PODS + "/" + pod + "/ephemeralcontainers"))
        .header("Content-Type", "application/strategic-merge-patch+json").header("Accept", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build();
    return server.httpClient().send(req, HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> causes(HttpResponse<String> res) {
    List<String> out = new ArrayList<>();
    for (JsonNode c : json(res).at("/details/causes")) out.add(c.path("field").asText() + ": " + c.path("message").asText());
    return out;
  }

  @Test
  void kubectlDebugAddsOneAndItGetsContainerDefaults() throws Exception {
    createPod("debugged");
    HttpResponse<String> added = addEphemeral("debugged",
        "[{'name':'debugger','image':'busybox:1','targetContainerName':'app','stdin':true,'tty':true}]");
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    JsonNode e = json(added).at("/spec/ephemeralContainers/0");
    assertThat(e.path("name").asText()).isEqualTo("debugger");
    assertThat(e.path("targetContainerName").asText()).isEqualTo("app");
    assertThat(e.path("imagePullPolicy").asText()).isEqualTo("IfNotPresent");
    assertThat(e.path("terminationMessagePolicy").asText()).isEqualTo("File");

    HttpResponse<String> got = server.send("GET", PODS + "/debugged/ephemeralcontainers", null);
    assertThat(json(got).at("/spec/ephemeralContainers/0/name").asText()).isEqualTo("debugger");
    // A second one goes beside the first (the list merges by name).
    assertThat(addEphemeral("debugged", "[{'name':'second','image':'busybox:1'}]").statusCode()).isEqualTo(200);
    assertThat(json(server.send("GET", PODS + "/debugged", null)).at("/spec/ephemeralContainers").size()).isEqualTo(2);
  }

  @Test
  void existingOnesStayAsTheyAreAndTheMainResourceCannotChangeThem() throws Exception {
    createPod("fixed");
    assertThat(addEphemeral("fixed", "[{'name':'dbg','image':'busybox:1'}]").statusCode()).isEqualTo(200);
    HttpResponse<String> changed = addEphemeral("fixed", "[{'name':'dbg','image':'busybox:2'}]");
    assertThat(changed.statusCode()).isEqualTo(422);
    assertThat(causes(changed)).contains("spec.ephemeralContainers: Forbidden: existing ephemeral containers \"dbg\" may not be changed");
    HttpResponse<String> removed = addEphemeral("fixed", "[{'$patch':'replace'}]");
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(422);
    assertThat(causes(removed)).contains("spec.ephemeralContainers: Forbidden: existing ephemeral containers \"dbg\" may not be removed");

    // Through the pod itself the list is kept as stored.
    JsonNode pod = json(server.send("GET", PODS + "/fixed", null));
    ((com.fasterxml.jackson.databind.node.ObjectNode) pod.path("spec")).putArray("ephemeralContainers");
    HttpResponse<String> put = server.send("PUT", PODS + "/fixed", pod.toString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).at("/spec/ephemeralContainers/0/name").asText()).isEqualTo("dbg");
  }

  @Test
  void theyAreNotForCreateAndMayNotAskForGuarantees() throws Exception {
    HttpResponse<String> onCreate = server.sendQuoted("POST", PODS, "{'metadata':{'name':'early'},'spec':{'containers':"
        + "[{'name':'app','image':'busybox:1'}],'ephemeralContainers':[{'name':'dbg','image':'busybox:1'}]}}");
    assertThat(onCreate.statusCode()).isEqualTo(422);
    assertThat(causes(onCreate)).containsExactly("spec.ephemeralContainers: Forbidden: cannot be set on create");

    createPod("strict");
    HttpResponse<String> bad = addEphemeral("strict", "[{'name':'app','image':'busybox:1'},"
        + "{'name':'p','image':'busybox:1','ports':[{'containerPort':80}],'targetContainerName':'nope'}]");
    assertThat(bad.statusCode()).isEqualTo(422);
    assertThat(causes(bad)).contains(
        "spec.ephemeralContainers[0].name: Duplicate value: \"app\"",
        "spec.ephemeralContainers[1].ports: Forbidden: cannot be set for an Ephemeral Container",
        "spec.ephemeralContainers[1].targetContainerName: Not found: \"nope\"");
    assertThat(server.send("POST", PODS + "/strict/ephemeralcontainers", "{}").statusCode()).isEqualTo(405);
  }

  @Test
  void discoveryListsTheSubresource() throws Exception {
    JsonNode resources = json(server.send("GET", "/api/v1", null)).path("resources");
    JsonNode found = null;
    for (JsonNode r : resources) if (r.path("name").asText().equals("pods/ephemeralcontainers")) found = r;
    assertThat(found).isNotNull();
    assertThat(found.path("kind").asText()).isEqualTo("Pod");
    assertThat(found.path("verbs").toString()).isEqualTo("[\"get\",\"patch\",\"update\"]");
  }
}
