package io.gubernator.apiserver.it;

import static io.gubernator.apiserver.it.ApiServerFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Priority admission: a pod's priority and preemptionPolicy come from its PriorityClass, as kube-apiserver sets them. */
class PriorityAdmissionTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();

  private static HttpResponse<String> pod(String ns, String name, String spec) throws Exception {
    return server.sendQuoted("POST", "/api/v1/namespaces/" + ns + "/pods",
        "{'metadata':{'name':'" + name + "'},'spec':{'containers':[{'name':'c','image':'i'}]" + spec + "}}");
  }

  private static void priorityClass(String name, String rest) throws Exception {
    HttpResponse<String> r = server.sendQuoted("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
        "{'metadata':{'name':'" + name + "'}" + rest + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @Test
  void aPodTakesItsClassValueAndPolicy() throws Exception {
    priorityClass("high", ",'value':1000");
    priorityClass("polite", ",'value':500,'preemptionPolicy':'Never'");
    HttpResponse<String> high = pod("default", "high-pod", ",'priorityClassName':'high'");
    assertThat(high.statusCode()).as(high.body()).isEqualTo(201);
    assertThat(json(high).at("/spec/priority").asInt()).isEqualTo(1000);
    assertThat(json(high).at("/spec/preemptionPolicy").asText()).isEqualTo("PreemptLowerPriority");
    HttpResponse<String> polite = pod("default", "polite-pod", ",'priorityClassName':'polite'");
    assertThat(json(polite).at("/spec/priority").asInt()).isEqualTo(500);
    assertThat(json(polite).at("/spec/preemptionPolicy").asText()).isEqualTo("Never");
    HttpResponse<String> system = server.send("GET", "/apis/scheduling.k8s.io/v1/priorityclasses/system-cluster-critical", null);
    assertThat(json(system).path("value").asInt()).as(system.body()).isEqualTo(2_000_000_000);
    HttpResponse<String> critical = pod("kube-system", "critical-pod", ",'priorityClassName':'system-node-critical'");
    assertThat(json(critical).at("/spec/priority").asInt()).isEqualTo(2_000_001_000);
  }

  @Test
  void unknownClassesAndContradictingValuesAreForbidden() throws Exception {
    HttpResponse<String> missing = pod("default", "lost", ",'priorityClassName':'nowhere'");
    assertThat(missing.statusCode()).isEqualTo(403);
    assertThat(json(missing).path("reason").asText()).isEqualTo("Forbidden");
    assertThat(json(missing).path("message").asText()).isEqualTo("pods \"lost\" is forbidden: no PriorityClass with name nowhere was found");
    priorityClass("mid", ",'value':100");
    HttpResponse<String> contradicting = pod("default", "liar", ",'priorityClassName':'mid','priority':7");
    assertThat(contradicting.statusCode()).isEqualTo(403);
    assertThat(json(contradicting).path("message").asText()).isEqualTo("pods \"liar\" is forbidden: the integer value of priority (7)"
        + " must not be provided in pod spec; priority admission controller computed 100 from the given PriorityClass name");
    HttpResponse<String> agreeing = pod("default", "honest", ",'priorityClassName':'mid','priority':100");
    assertThat(agreeing.statusCode()).as(agreeing.body()).isEqualTo(201);
  }

  /** The only test here that makes a default class: the others name theirs. */
  @Test
  void podsNamingNoClassGetTheGlobalDefaultElsePriorityZero() throws Exception {
    server.sendQuoted("POST", "/api/v1/namespaces", "{'metadata':{'name':'defaulted'}}");
    HttpResponse<String> plain = pod("defaulted", "plain", "");
    assertThat(json(plain).at("/spec/priority").asInt()).isZero();
    assertThat(json(plain).at("/spec").has("priorityClassName")).isFalse();
    // Without a class the computed priority is 0, and a pod may not say otherwise.
    HttpResponse<String> classless = pod("defaulted", "classless", ",'priority':7");
    assertThat(classless.statusCode()).isEqualTo(403);
    assertThat(json(classless).path("message").asText()).endsWith("the integer value of priority (7) must not be provided in pod spec;"
        + " priority admission controller computed 0 from the given PriorityClass name");
    priorityClass("everyone", ",'value':42,'globalDefault':true");
    HttpResponse<String> p = pod("defaulted", "p", "");
    assertThat(json(p).at("/spec/priority").asInt()).isEqualTo(42);
    assertThat(json(p).at("/spec/priorityClassName").asText()).isEqualTo("everyone");
  }
}
