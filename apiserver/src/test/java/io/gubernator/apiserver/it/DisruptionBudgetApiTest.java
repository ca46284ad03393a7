package io.gubernator.apiserver.it;

import static io.gubernator.apiserver.it.ApiServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PodDisruptionBudget validation and the pods/eviction subresource's answers, as kube-apiserver gives them. */
class DisruptionBudgetApiTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();

  private static HttpResponse<String> send(String method, String path, String json) throws Exception {
    return server.sendQuoted(method, path, json);
  }

  private static HttpResponse<String> budget(String name, String spec) throws Exception {
    return send("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
        "{'metadata':{'name':'" + name + "'},'spec':" + spec + "}");
  }

  @Test
  void budgetsAreValidatedAsKubernetesDoes() throws Exception {
    HttpResponse<String> both = budget("both", "{'minAvailable':1,'maxUnavailable':1,'selector':{'matchLabels':{'a':'b'}}}");
    assertThat(both.statusCode()).as(both.body()).isEqualTo(422);
    assertThat(json(both).at("/details/causes/0/field").asText()).isEqualTo("spec");
    assertThat(json(both).path("message").asText()).endsWith(": minAvailable and maxUnavailable cannot be both set");

    HttpResponse<String> over = budget("over", "{'minAvailable':'150%','selector':{}}");
    assertThat(over.statusCode()).isEqualTo(422);
    assertThat(json(over).path("message").asText())
        .isEqualTo("PodDisruptionBudget.policy \"over\" is invalid: spec.minAvailable: Invalid value: \"150%\": must not be greater than 100%");

    HttpResponse<String> word = budget("word", "{'maxUnavailable':'half','selector':{}}");
    assertThat(json(word).path("message").asText()).contains("spec.maxUnavailable: Invalid value: \"half\": a valid percent string "
        + "must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");

    HttpResponse<String> negative = budget("negative", "{'minAvailable':-1,'selector':{}}");
    assertThat(json(negative).path("message").asText()).endsWith("spec.minAvailable: Invalid value: -1: must be greater than or equal to 0");

    HttpResponse<String> policy = budget("policy", "{'minAvailable':1,'selector':{},'unhealthyPodEvictionPolicy':'Never'}");
    assertThat(json(policy).path("message").asText())
        .endsWith("spec.unhealthyPodEvictionPolicy: Unsupported value: \"Never\": supported values: \"AlwaysAllow\", \"IfHealthyBudget\"");

    assertThat(budget("fine", "{'maxUnavailable':'25%','selector':{'matchLabels':{'a':'b'}}}").statusCode()).isEqualTo(201);
  }

  @Test
  void aRollingUpdateMayNotStandStillNorTakeMoreThanEverything() throws Exception {
    String deployment = "{'metadata':{'name':'%s'},'spec':{'selector':{'matchLabels':{'a':'b'}},'strategy':{'rollingUpdate':%s},"
        + "'template':{'metadata':{'labels':{'a':'b'}},'spec':{'containers':[{'name':'c','image':'nginx'}]}}}}";
    HttpResponse<String> still = send("POST", "/apis/apps/v1/namespaces/default/deployments",
        deployment.formatted("still", "{'maxSurge':0,'maxUnavailable':'0%'}"));
    assertThat(still.statusCode()).isEqualTo(422);
    assertThat(json(still).path("message").asText())
        .endsWith("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0");
    HttpResponse<String> over = send("POST", "/apis/apps/v1/namespaces/default/deployments",
        deployment.formatted("over", "{'maxSurge':1,'maxUnavailable':'101%'}"));
    assertThat(json(over).path("message").asText())
        .endsWith("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"101%\": must not be greater than 100%");
  }

  @Test
  void evictionRequestsAreCheckedAndAnUncoveredPodIsDeleted() throws Exception {
    assertThat(send("POST", "/api/v1/namespaces/default/pods",
        "{'metadata':{'name':'lone'},'spec':{'containers':[{'name':'c','image':'nginx'}]}}").statusCode()).isEqualTo(201);
    String path = "/api/v1/namespaces/default/pods/lone/eviction";

    HttpResponse<String> mismatch = send("POST", path, "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'other'}}");
    assertThat(mismatch.statusCode()).isEqualTo(400);
    assertThat(json(mismatch).path("message").asText()).isEqualTo("name in URL does not match name in Eviction object");
    HttpResponse<String> wrongKind = send("POST", path, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'lone'}}");
    assertThat(wrongKind.statusCode()).isEqualTo(400);
    assertThat(send("GET", path, null).statusCode()).isEqualTo(405);
    assertThat(send("POST", "/api/v1/namespaces/default/pods/missing/eviction",
        "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'missing'}}").statusCode()).isEqualTo(404);
    HttpResponse<String> badOptions = send("POST", path,
        "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'lone'},'deleteOptions':{'gracePeriodSeconds':'soon'}}");
    assertThat(badOptions.statusCode()).isEqualTo(400);

    HttpResponse<String> dryRun = send("POST", path,
        "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'lone'},'deleteOptions':{'dryRun':['All']}}");
    assertThat(dryRun.statusCode()).as(dryRun.body()).isEqualTo(201);
    assertThat(send("GET", "/api/v1/namespaces/default/pods/lone", null).statusCode()).isEqualTo(200);

    HttpResponse<String> evicted = send("POST", path, "{'apiVersion':'policy/v1beta1','kind':'Eviction','metadata':{'name':'lone'}}");
    assertThat(evicted.statusCode()).as(evicted.body()).isEqualTo(201);
    assertThat(json(evicted).path("status").asText()).isEqualTo("Success");
    assertThat(send("GET", "/api/v1/namespaces/default/pods/lone", null).statusCode()).isEqualTo(404);
  }
}
