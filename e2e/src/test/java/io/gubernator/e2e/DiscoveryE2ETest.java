package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.io.TempDir;

/** What kubectl learns about the cluster before it touches an object: version, discovery, OpenAPI. */
class DiscoveryE2ETest extends KubectlTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void versionReportsAKubernetes132Server() throws Exception {
    Kubectl.Result result = ok("version", "-o", "json");
    JsonNode server = JSON.readTree(result.stdout()).path("serverVersion");
    assertThat(server.path("major").asText()).as("%s", result).isEqualTo("1");
    assertThat(server.path("minor").asText()).as("%s", result).isEqualTo("32");
    assertThat(server.path("gitVersion").asText()).as("%s", result).startsWith("v1.32.");
    assertThat(server.path("platform").asText()).as("%s", result).isEqualTo("linux/amd64");

    // The plain form must not warn about version skew (kubectl does when minor versions differ by more than one).
    Kubectl.Result plain = ok("version");
    assertThat(plain.stdout()).as("%s", plain).contains("Client Version: v1.32.", "Server Version: v1.32.");
    assertThat(plain.stderr()).as("%s", plain).doesNotContain("WARNING");
  }

  @Test
  void authCanIAndWhoAmIAnswerFromTheReviewApis() {
    // Until RBAC, every authenticated user may do everything (Kubernetes' AlwaysAllow), and says so.
    assertThat(ok("auth", "can-i", "create", "deployments", "-n", "kube-system").stdout()).isEqualTo("yes\n");
    assertThat(ok("auth", "can-i", "get", "/healthz").stdout()).isEqualTo("yes\n");
    assertThat(ok("auth", "can-i", "--list").lines()).anySatisfy(l -> assertThat(columns(l)).containsExactly("*.*", "[]", "[]", "[*]"));
    assertThat(ok("auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}").stdout())
        .isEqualTo("admin [\"system:masters\",\"system:authenticated\"]");
    assertThat(ok("auth", "whoami", "--as=jane", "--as-group=devs", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}")
        .stdout()).isEqualTo("jane [\"devs\",\"system:authenticated\"]");
    assertFails(kubectl.run("get", "selfsubjectaccessreviews"));
  }

  @Test
  void clusterInfoNamesTheControlPlaneUrl() {
    Kubectl.Result result = ok("cluster-info");
    assertThat(result.lines()).as("%s", result)
        .first().isEqualTo("Kubernetes control plane is running at https://127.0.0.1:" + server.port());
  }

  @Test
  void apiResourcesListsBuiltInResourcesWithShortNamesAndScope() {
    Kubectl.Result result = ok("api-resources");
    assertThat(columns(result.lines().get(0)))
        .containsExactly("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND");
    assertThat(row(result, "pods")).containsExactly("pods", "po", "v1", "true", "Pod");
    assertThat(row(result, "namespaces")).containsExactly("namespaces", "ns", "v1", "false", "Namespace");
    assertThat(row(result, "services")).containsExactly("services", "svc", "v1", "true", "Service");
    assertThat(row(result, "configmaps")).containsExactly("configmaps", "cm", "v1", "true", "ConfigMap");
    assertThat(row(result, "deployments")).containsExactly("deployments", "deploy", "apps/v1", "true", "Deployment");
    assertThat(row(result, "replicasets")).containsExactly("replicasets", "rs", "apps/v1", "true", "ReplicaSet");
    assertThat(row(result, "nodes")).containsExactly("nodes", "no", "v1", "false", "Node");
    assertThat(row(result, "secrets")).containsExactly("secrets", "v1", "true", "Secret");
  }

  @Test
  void apiResourcesCategoryAllIsKubernetesSet() {
    // Kubernetes puts exactly these built-in resources into the "all" category (kubectl get all).
    Kubectl.Result result = ok("api-resources", "--categories=all", "-o", "name");
    assertThat(result.lines()).as("%s", result).containsExactlyInAnyOrder(
        "pods", "replicationcontrollers", "services",
        "daemonsets.apps", "deployments.apps", "replicasets.apps", "statefulsets.apps",
        "horizontalpodautoscalers.autoscaling", "cronjobs.batch", "jobs.batch");
  }

  @Test
  void apiResourcesShowsVerbsInWideOutput() {
    Kubectl.Result result = ok("api-resources", "-o", "wide", "--api-group=apps");
    List<String> deployments = row(result, "deployments");
    assertThat(deployments.get(5)).as("%s", result)
        .isEqualTo("create,delete,deletecollection,get,list,patch,update,watch");
    assertThat(deployments.get(6)).as("%s", result).isEqualTo("all");
  }

  @Test
  void apiVersionsListsEveryServedGroupVersion() {
    Kubectl.Result result = ok("api-versions");
    assertThat(result.lines()).as("%s", result).contains(
        "v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "coordination.k8s.io/v1",
        "discovery.k8s.io/v1", "events.k8s.io/v1", "networking.k8s.io/v1", "policy/v1",
        "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1");
    assertThat(result.lines()).as("sorted, one per line").isSorted().doesNotHaveDuplicates();
  }

  @Test
  void getNamespacesShowsTheFourBuiltInNamespacesActive() {
    Kubectl.Result result = ok("get", "ns");
    assertThat(columns(result.lines().get(0))).containsExactly("NAME", "STATUS", "AGE");
    for (String name : List.of("default", "kube-node-lease", "kube-public", "kube-system")) {
      assertThat(row(result, name).get(1)).as("%s", result).isEqualTo("Active");
    }
  }

  @Test
  void explainPodSpecContainersDescribesTheFields() {
    Kubectl.Result result = ok("explain", "pod.spec.containers");
    assertThat(result.stdout()).as("%s", result)
        .contains("KIND:       Pod", "VERSION:    v1", "FIELD: containers <[]Container>")
        .containsPattern("(?m)^  image\t<string>$")
        .containsPattern("(?m)^  ports\t<\\[\\]ContainerPort>$")
        .containsPattern("(?m)^  resources\t<ResourceRequirements>$")
        .containsPattern("(?m)^  volumeMounts\t<\\[\\]VolumeMount>$")
        // Kubernetes' schema marks a container's name as required; explain shows it.
        .containsPattern("(?m)^  name\t<string> -required-$");
  }

  @Test
  void explainRecursiveFollowsNestedTypes() {
    Kubectl.Result result = ok("explain", "deployment.spec.template.spec.containers.livenessProbe.httpGet", "--recursive");
    assertThat(result.stdout()).as("%s", result)
        .contains("GROUP:      apps", "KIND:       Deployment", "VERSION:    v1")
        .containsPattern("(?m)^  path\t<string>$")
        .containsPattern("(?m)^  httpHeaders\t<\\[\\]HTTPHeader>$")
        .containsPattern("(?m)^    name\t<string> -required-$")
        // IntOrString and Quantity are named types in Kubernetes' schema, not plain strings.
        .containsPattern("(?m)^  port\t<IntOrString> -required-$");
  }

  @Test
  void explainShowsQuantityMaps() {
    Kubectl.Result result = ok("explain", "pod.spec.containers.resources");
    assertThat(result.stdout()).as("%s", result)
        .containsPattern("(?m)^  limits\t<map\\[string\\]Quantity>$")
        .containsPattern("(?m)^  requests\t<map\\[string\\]Quantity>$");
  }

  @Test
  void readyzVerboseListsChecks() {
    Kubectl.Result result = ok("get", "--raw", "/readyz?verbose");
    assertThat(result.stdout()).as("%s", result).contains("readyz check passed");
  }

  /*
   * kubectl cannot send a request without credentials (it prompts for a user name instead), so
   * the anonymous requests go through the JDK's HTTP client, trusting the cluster CA from the kubeconfig.
   */
  @Test
  void requestWithoutCredentialsIsUnauthorized() throws Exception {
    HttpResponse<String> response = anonymousGet("/api/v1/namespaces");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    JsonNode status = JSON.readTree(response.body());
    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("reason").asText()).isEqualTo("Unauthorized");
    assertThat(status.path("code").asInt()).isEqualTo(401);
  }

  @Test
  void versionAndHealthNeedNoCredentials() throws Exception {
    HttpResponse<String> version = anonymousGet("/version");
    assertThat(version.statusCode()).as(version.body()).isEqualTo(200);
    assertThat(JSON.readTree(version.body()).path("gitVersion").asText()).startsWith("v1.32.");
    for (String path : List.of("/healthz", "/livez", "/readyz")) {
      HttpResponse<String> health = anonymousGet(path);
      assertThat(health.statusCode()).as(path).isEqualTo(200);
      assertThat(health.body()).as(path).isEqualTo("ok");
    }
  }

  private static HttpResponse<String> anonymousGet(String path) throws Exception {
    String caData = ok("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}").stdout();
    Certificate ca = CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(caData)));
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("gubernator-ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    try (HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build()) {
      HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + path))
          .timeout(Duration.ofSeconds(20)).GET().build();
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void bearerTokenFromTheDataDirAuthenticates(@TempDir Path dir) throws Exception {
    // The static token file holds "token,user,uid,groups"; the token is the first field.
    String token = Files.readString(server.dataDir().resolve("token")).split(",")[0].trim();
    Kubectl withToken = new Kubectl(kubeconfigFor(dir, "{token: " + token + "}"));
    assertThat(row(assertOk(withToken.run("get", "ns")), "default").get(1)).isEqualTo("Active");

    Kubectl wrongToken = new Kubectl(kubeconfigFor(dir, "{token: not-the-token}"));
    assertThat(wrongToken.run("get", "ns").stderr()).contains("error: You must be logged in to the server (Unauthorized)");
  }

  /** A kubeconfig that trusts the server's CA but presents only {@code user} (no client certificate). */
  private static Path kubeconfigFor(Path dir, String user) throws Exception {
    String ca = ok("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}").stdout();
    Path file = Files.createTempFile(dir, "kubeconfig-", ".yaml");
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: e2e
          cluster: {server: "https://127.0.0.1:%d", certificate-authority-data: %s}
        users:
        - name: e2e
          user: %s
        contexts:
        - name: e2e
          context: {cluster: e2e, user: e2e}
        current-context: e2e
        """.formatted(server.port(), ca, user));
    return file;
  }
}
