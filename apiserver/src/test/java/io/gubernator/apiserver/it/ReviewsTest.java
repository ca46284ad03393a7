package io.gubernator.apiserver.it;

import static io.gubernator.apiserver.it.ApiServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The review APIs: answered on create, never stored, with AlwaysAllow's answers until RBAC. */
class ReviewsTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass(
      dir -> Files.writeString(dir.resolve("token"), "s3cret,node-joiner,42,system:bootstrappers\n"));

  private static HttpResponse<String> send(String method, String path, String json) throws Exception {
    return server.sendQuoted(method, path, json);
  }

  @Test
  void accessReviewsAreAllowedAndEchoed() throws Exception {
    HttpResponse<String> r = send("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        "{'kind':'SelfSubjectAccessReview','apiVersion':'authorization.k8s.io/v1','spec':{'resourceAttributes':{'verb':'create','resource':'pods','namespace':'default'}}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(json(r).at("/status/allowed").asBoolean()).isTrue();
    assertThat(json(r).at("/spec/resourceAttributes/verb").asText()).isEqualTo("create");

    HttpResponse<String> local = send("POST", "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews",
        "{'spec':{'user':'jane','resourceAttributes':{'verb':'get','resource':'pods','namespace':'default'}}}");
    assertThat(local.statusCode()).as(local.body()).isEqualTo(201);
    assertThat(json(local).at("/metadata/namespace").asText()).isEqualTo("default");

    HttpResponse<String> rules = send("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "{'spec':{'namespace':'default'}}");
    assertThat(json(rules).at("/status/resourceRules/0/verbs/0").asText()).isEqualTo("*");
    assertThat(json(rules).at("/status/incomplete").asBoolean(true)).isFalse();
  }

  @Test
  void malformedReviewsAreInvalidAsKubernetesSays() throws Exception {
    HttpResponse<String> neither = send("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "{'spec':{}}");
    assertThat(neither.statusCode()).isEqualTo(422);
    assertThat(json(neither).path("message").asText()).isEqualTo("SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: "
        + "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified");
    HttpResponse<String> nobody = send("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        "{'spec':{'nonResourceAttributes':{'path':'/healthz','verb':'get'}}}");
    assertThat(json(nobody).path("message").asText()).endsWith("spec.user: Invalid value: \"\": at least one of user or group must be specified");
    HttpResponse<String> elsewhere = send("POST", "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews",
        "{'spec':{'user':'jane','resourceAttributes':{'verb':'get','resource':'pods','namespace':'other'}}}");
    assertThat(json(elsewhere).path("message").asText()).endsWith("spec.resourceAttributes.namespace: Invalid value: \"other\": must match metadata.namespace");
    assertThat(send("POST", "/apis/authentication.k8s.io/v1/tokenreviews", "{'spec':{}}").statusCode()).isEqualTo(400);
  }

  @Test
  void reviewsAreNeitherStoredNorListed() throws Exception {
    assertThat(send("GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", null).statusCode()).isEqualTo(405);
    assertThat(send("GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x", null).statusCode()).isEqualTo(405);
    assertThat(send("DELETE", "/apis/authentication.k8s.io/v1/tokenreviews", null).statusCode()).isEqualTo(405);
    JsonNode discovery = json(send("GET", "/apis/authorization.k8s.io/v1", null));
    assertThat(discovery.path("resources")).allSatisfy(r -> assertThat(r.path("verbs").toString()).isEqualTo("[\"create\"]"));
    assertThat(discovery.path("resources")).hasSize(4);
  }

  @Test
  void whoAmIAndTokenReviewsNameTheUser() throws Exception {
    HttpResponse<String> me = send("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}");
    assertThat(me.statusCode()).as(me.body()).isEqualTo(201);
    assertThat(json(me).at("/status/userInfo/username").asText()).isEqualTo("admin");
    assertThat(json(me).at("/status/userInfo/groups").toString()).contains("system:masters", "system:authenticated");

    JsonNode good = json(send("POST", "/apis/authentication.k8s.io/v1/tokenreviews", "{'spec':{'token':'s3cret'}}"));
    assertThat(good.at("/status/authenticated").asBoolean()).isTrue();
    assertThat(good.at("/status/user/username").asText()).isEqualTo("node-joiner");
    assertThat(good.at("/status/user/groups").toString()).contains("system:bootstrappers");
    JsonNode bad = json(send("POST", "/apis/authentication.k8s.io/v1/tokenreviews", "{'spec':{'token':'guess'}}"));
    assertThat(bad.at("/status/authenticated").asBoolean(true)).isFalse();
  }
}
