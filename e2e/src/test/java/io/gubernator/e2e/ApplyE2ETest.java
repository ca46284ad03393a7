package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client-side apply from files, server-side dry run, and the errors Kubernetes gives for bad input. */
class ApplyE2ETest extends KubectlTestBase {

  private static final String NS = "apply-e2e";

  @BeforeAll
  static void createNamespace() {
    namespace(NS);
  }

  @Test
  void applyCreatesThenConfiguresThenLeavesUnchanged(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("web.yaml");
    Files.writeString(file, deployment("applied", NS, 2, "nginx:1.27"));
    assertThat(ok("apply", "-f", file.toString()).stdout()).isEqualTo("deployment.apps/applied created\n");
    assertThat(jsonpath("{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}", "deploy/applied", "-n", NS))
        .as("apply records what it applied").contains("\"replicas\":2");

    Files.writeString(file, deployment("applied", NS, 3, "nginx:1.28"));
    assertThat(ok("apply", "-f", file.toString()).stdout()).isEqualTo("deployment.apps/applied configured\n");
    assertThat(jsonpath("{.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.generation}", "deploy/applied", "-n", NS))
        .isEqualTo("3 nginx:1.28 2");

    assertThat(ok("apply", "-f", file.toString()).stdout()).isEqualTo("deployment.apps/applied unchanged\n");
  }

  @Test
  void applyKeepsChangesMadeByOthersToFieldsItDoesNotManage(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("cm.yaml");
    Files.writeString(file, configMap("shared", NS, "owner: apply"));
    ok("apply", "-f", file.toString());
    ok("label", "cm", "shared", "-n", NS, "added-by=hand");
    Files.writeString(file, configMap("shared", NS, "owner: apply2"));
    ok("apply", "-f", file.toString());
    // The three-way merge changes only what the manifest owns.
    assertThat(jsonpath("{.metadata.labels.owner} {.metadata.labels.added-by}", "cm/shared", "-n", NS))
        .isEqualTo("apply2 hand");
  }

  @Test
  void applyAMultiDocumentFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("stack.yaml");
    Files.writeString(file, configMap("multi-cm", NS, "part: stack") + "---\n"
        + deployment("multi-deploy", NS, 1, "nginx:1.27") + "---\n"
        + """
        apiVersion: v1
        kind: Service
        metadata:
          name: multi-svc
          namespace: %s
        spec:
          selector: {app: multi-deploy}
          ports:
          - port: 80
            targetPort: 8080
        """.formatted(NS));
    Kubectl.Result result = ok("apply", "-f", file.toString());
    assertThat(result.lines()).containsExactly(
        "configmap/multi-cm created", "deployment.apps/multi-deploy created", "service/multi-svc created");
    assertThat(jsonpath("{.spec.ports[0].targetPort} {.spec.type}", "svc/multi-svc", "-n", NS)).isEqualTo("8080 ClusterIP");
  }

  @Test
  void applyADirectory(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.yaml"), configMap("dir-a", NS, "from: dir"));
    Files.writeString(dir.resolve("b.json"), """
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "dir-b", "namespace": "%s", "labels": {"from": "dir"}},
         "data": {"k": "v"}}
        """.formatted(NS));
    Files.writeString(dir.resolve("ignored.txt"), "kubectl only reads .yaml, .yml and .json files");
    Kubectl.Result result = ok("apply", "-f", dir.toString());
    assertThat(result.lines()).containsExactly("configmap/dir-a created", "configmap/dir-b created");
    assertThat(ok("get", "cm", "-n", NS, "-l", "from=dir", "-o", "name").lines())
        .containsExactly("configmap/dir-a", "configmap/dir-b");
  }

  @Test
  void serverDryRunValidatesButStoresNothing() {
    String manifest = configMap("dry", NS, "a: b");
    Kubectl.Result created = assertOk(kubectl.runWithStdin(manifest, "create", "-f", "-", "--dry-run=server", "-o", "yaml"));
    // The dry run goes through defaulting and gets server-set fields, but no resourceVersion.
    assertThat(created.stdout()).as("%s", created).contains("name: dry", "uid: ", "creationTimestamp: ")
        .doesNotContain("resourceVersion");
    Kubectl.Result missing = assertFails(kubectl.run("get", "cm", "dry", "-n", NS));
    assertThat(missing.stderr()).isEqualTo("Error from server (NotFound): configmaps \"dry\" not found\n");

    assertThat(assertOk(kubectl.runWithStdin(manifest, "apply", "-f", "-", "--dry-run=server")).stdout())
        .isEqualTo("configmap/dry created (server dry run)\n");
    assertFails(kubectl.run("get", "cm", "dry", "-n", NS));
  }

  @Test
  void serverDryRunStillRejectsInvalidObjects() {
    Kubectl.Result result = assertFails(kubectl.runWithStdin(deployment("Dry_Bad", NS, 1, "nginx"), "apply", "-f", "-", "--dry-run=server"));
    assertThat(result.stderr()).contains("The Deployment \"Dry_Bad\" is invalid: metadata.name: Invalid value: \"Dry_Bad\"");
  }

  @Test
  void serverDryRunDeleteKeepsTheObject() {
    apply(configMap("kept", NS, "a: b"));
    assertThat(ok("delete", "cm", "kept", "-n", NS, "--dry-run=server").stdout())
        .isEqualTo("configmap \"kept\" deleted (server dry run)\n");
    ok("get", "cm", "kept", "-n", NS);
  }

  @Test
  void createDeploymentWithServerDryRun() {
    // A typed create (protobuf body) with dryRun=All.
    Kubectl.Result result = ok("create", "deployment", "typed-dry", "--image=nginx", "-n", NS, "--dry-run=server");
    assertThat(result.stdout()).isEqualTo("deployment.apps/typed-dry created (server dry run)\n");
    assertFails(kubectl.run("get", "deploy", "typed-dry", "-n", NS));
  }

  @Test
  void badNameIsInvalidWithTheKubernetesMessage() {
    Kubectl.Result result = assertFails(kubectl.runWithStdin(deployment("Bad_Name", NS, 1, "nginx"), "apply", "-f", "-"));
    assertThat(result.stderr()).isEqualTo(
        "The Deployment \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain "
            + "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
            + "character (e.g. 'example.com', regex used for validation is "
            + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n");
  }

  @Test
  void severalInvalidFieldsAreListedTogether() {
    String bad = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: several
          namespace: %s
        spec:
          replicas: -1
          selector:
            matchLabels: {app: one}
          template:
            metadata:
              labels: {app: other}
            spec:
              containers:
              - name: c
                image: nginx
        """.formatted(NS);
    Kubectl.Result result = assertFails(kubectl.runWithStdin(bad, "create", "-f", "-"));
    // kubectl lists several causes one per line; the server formats each bad value as Go does (%v for numbers, %#v for maps).
    assertThat(result.stderr()).as("%s", result).isEqualTo("""
        The Deployment "several" is invalid: \n\
        * spec.replicas: Invalid value: -1: must be greater than or equal to 0
        * spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`
        """);
  }

  @Test
  void unknownFieldWithStrictValidationIsABadRequest() {
    String manifest = deployment("strict", NS, 1, "nginx").replace("  replicas: 1\n", "  replicas: 1\n  foo: bar\n");
    Kubectl.Result result = assertFails(kubectl.runWithStdin(manifest, "apply", "--validate=strict", "-f", "-"));
    assertThat(result.stderr()).isEqualTo("Error from server (BadRequest): error when creating \"STDIN\": Deployment in version "
        + "\"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\"\n");
    assertFails(kubectl.run("get", "deploy", "strict", "-n", NS));
  }

  @Test
  void unknownFieldWithWarnValidationIsDroppedWithAWarning() {
    String manifest = configMap("warned", NS, "a: b").replace("\ndata:\n", "\nbogus: 1\ndata:\n");
    Kubectl.Result result = assertOk(kubectl.runWithStdin(manifest, "create", "--validate=warn", "-f", "-"));
    assertThat(result.stdout()).isEqualTo("configmap/warned created\n");
    assertThat(result.stderr()).contains("Warning: unknown field \"bogus\"");
    assertThat(ok("get", "cm", "warned", "-n", NS, "-o", "yaml").stdout()).doesNotContain("bogus");
  }

  private static String podWithResources(String name, String requests, String limits) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: %s}
        spec:
          containers:
          - name: c
            image: localhost/busybox:1
            resources:
              requests: %s
              limits: %s
        """.formatted(name, NS, requests, limits);
  }

  @Test
  void quantitiesComeBackInCanonicalForm() {
    String pod = podWithResources("quantities", "{cpu: \"0.5\", memory: 1048576, ephemeral-storage: 1.5Gi}",
        "{cpu: 1000m, memory: 2000M, ephemeral-storage: \"2e9\"}");
    Kubectl.Result result = assertOk(kubectl.runWithStdin(pod, "create", "-f", "-", "--dry-run=server", "-o",
        "jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.requests.memory} "
            + "{.spec.containers[0].resources.requests.ephemeral-storage} {.spec.containers[0].resources.limits.cpu} "
            + "{.spec.containers[0].resources.limits.memory} {.spec.containers[0].resources.limits.ephemeral-storage}"));
    assertThat(result.stdout()).isEqualTo("500m 1048576 1536Mi 1 2G 2e9");
  }

  @Test
  void aLimitWithoutARequestIsRequestedAtTheLimit() {
    String pod = podWithResources("limits-only", "{cpu: 100m}", "{cpu: 100m, memory: 512Mi}");
    Kubectl.Result result = assertOk(kubectl.runWithStdin(pod, "create", "-f", "-", "--dry-run=server", "-o",
        "jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.requests.memory} {.status.qosClass}"));
    assertThat(result.stdout()).isEqualTo("100m 512Mi Guaranteed");
  }

  @Test
  void malformedQuantityIsABadRequestAndNegativeOneIsInvalid() {
    Kubectl.Result malformed = assertFails(kubectl.runWithStdin(podWithResources("malformed", "{cpu: abc}", "{}"), "create", "-f", "-"));
    assertThat(malformed.stderr()).isEqualTo("Error from server (BadRequest): error when creating \"STDIN\": Pod in version \"v1\" "
        + "cannot be handled as a Pod: quantities must match the regular expression "
        + "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n");
    Kubectl.Result negative = assertFails(kubectl.runWithStdin(podWithResources("negative", "{cpu: \"-1\"}", "{}"), "create", "-f", "-"));
    assertThat(negative.stderr()).isEqualTo("The Pod \"negative\" is invalid: spec.containers[0].resources.requests[cpu]: "
        + "Invalid value: \"-1\": must be greater than or equal to 0\n");
    Kubectl.Result aboveLimit = assertFails(kubectl.runWithStdin(podWithResources("above", "{cpu: \"2\"}", "{cpu: 1500m}"),
        "create", "-f", "-"));
    assertThat(aboveLimit.stderr()).isEqualTo("The Pod \"above\" is invalid: spec.containers[0].resources.requests: "
        + "Invalid value: \"2\": must be less than or equal to cpu limit of 1500m\n");
  }

  @Test
  void malformedYamlIsRejectedByKubectl() {
    String broken = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\n  data: [\n";
    Kubectl.Result result = assertFails(kubectl.runWithStdin(broken, "apply", "-f", "-"));
    assertThat(result.stderr()).startsWith("error: error parsing STDIN: error converting YAML to JSON: yaml: line ");
  }

  @Test
  void malformedJsonBodyIsABadRequestFromTheServer() {
    // --raw sends the bytes as they are, so this reaches the server's decoder.
    Kubectl.Result result = assertFails(kubectl.runWithStdin("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{",
        "create", "--raw", "/api/v1/namespaces/" + NS + "/configmaps", "-f", "-"));
    assertThat(result.stderr()).startsWith("Error from server (BadRequest)");
  }

  @Test
  void objectInAMissingNamespaceIsNotFound() {
    Kubectl.Result result = assertFails(kubectl.runWithStdin(configMap("orphan", "no-such-ns", "a: b"), "create", "-f", "-"));
    assertThat(result.stderr()).isEqualTo(
        "Error from server (NotFound): error when creating \"STDIN\": namespaces \"no-such-ns\" not found\n");
  }
}
