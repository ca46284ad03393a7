package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deployments through kubectl: typed create, every output format, and every way of changing one. */
class DeploymentE2ETest extends KubectlTestBase {

  private static final String NS = "deploy-e2e";

  @BeforeAll
  static void createNamespace() {
    namespace(NS);
  }

  /** Each test works on a Deployment of its own, so the tests do not depend on each other's order. */
  private static void givenDeployment(String name, int replicas) {
    apply(deployment(name, NS, replicas, "nginx:1.27"));
  }

  @Test
  void createDeploymentWithReplicas() {
    // kubectl create deployment sends a protobuf body.
    Kubectl.Result result = ok("create", "deployment", "typed", "--image=nginx:1.27", "--replicas=3", "-n", NS);
    assertThat(result.stdout()).isEqualTo("deployment.apps/typed created\n");
    assertThat(jsonpath("{.spec.replicas} {.metadata.labels.app} {.spec.selector.matchLabels.app}", "deploy/typed", "-n", NS))
        .isEqualTo("3 typed typed");
  }

  @Test
  void getYamlShowsServerSetMetadataAndDefaults() {
    givenDeployment("yaml", 3);
    Kubectl.Result result = ok("get", "deploy", "yaml", "-n", NS, "-o", "yaml");
    Deployment deployment = Serialization.unmarshal(result.stdout(), Deployment.class);
    assertThat(deployment.getKind()).isEqualTo("Deployment");
    assertThat(deployment.getApiVersion()).isEqualTo("apps/v1");
    assertThat(deployment.getMetadata().getUid()).as("%s", result).isNotBlank();
    assertThat(deployment.getMetadata().getResourceVersion()).as("%s", result).isNotBlank();
    assertThat(deployment.getMetadata().getCreationTimestamp()).as("%s", result).isNotBlank();
    assertThat(deployment.getMetadata().getGeneration()).as("%s", result).isEqualTo(1L);
    // Kubernetes' Deployment defaults (pkg/apis/apps/v1/defaults.go).
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getStrVal()).isEqualTo("25%");
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getStrVal()).isEqualTo("25%");
    assertThat(deployment.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
    assertThat(deployment.getSpec().getProgressDeadlineSeconds()).isEqualTo(600);
    // minReadySeconds has no default and omitempty: a Deployment that does not set it does not show it.
    assertThat(result.stdout()).as("%s", result).doesNotContain("minReadySeconds");
  }

  @Test
  void getJsonShowsPodTemplateDefaultsButNoPodOnlyAdmissionDefaults() {
    givenDeployment("json", 2);
    Kubectl.Result result = ok("get", "deploy", "json", "-n", NS, "-o", "json");
    Deployment deployment = Serialization.unmarshal(result.stdout(), Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Always");
    assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirst");
    assertThat(pod.getSchedulerName()).isEqualTo("default-scheduler");
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
    assertThat(pod.getContainers().get(0).getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(pod.getContainers().get(0).getTerminationMessagePath()).isEqualTo("/dev/termination-log");
    assertThat(pod.getContainers().get(0).getTerminationMessagePolicy()).isEqualTo("File");
    // The service account and the not-ready/unreachable tolerations are set by admission on Pods
    // only (ServiceAccount, DefaultTolerationSeconds); a Deployment's template keeps what the user sent.
    assertThat(pod.getServiceAccountName()).as("%s", result).isNull();
    assertThat(pod.getTolerations()).as("%s", result).isNullOrEmpty();
  }

  @Test
  void getWideShowsContainersImagesAndSelector() {
    givenDeployment("wide", 3);
    // The deployment controller creates the pods; with no nodes yet none becomes ready.
    ok("wait", "deploy/wide", "-n", NS, "--for=jsonpath={.status.updatedReplicas}=3", "--timeout=30s");
    Kubectl.Result result = ok("get", "deploy", "wide", "-n", NS, "-o", "wide");
    assertThat(columns(result.lines().get(0))).containsExactly(
        "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR");
    List<String> row = row(result, "wide");
    assertThat(row.subList(0, 4)).containsExactly("wide", "0/3", "3", "0");
    assertThat(row.get(4)).matches("\\d+s");
    assertThat(row.subList(5, 8)).containsExactly("nginx", "nginx:1.27", "app=wide");
  }

  @Test
  void getJsonpathPrintsTheSelectedFields() {
    givenDeployment("jp", 2);
    assertThat(jsonpath("{.metadata.name}:{.spec.replicas}:{.spec.template.spec.containers[*].image}", "deploy/jp", "-n", NS))
        .isEqualTo("jp:2:nginx:1.27");
    assertThat(jsonpath("{range .items[?(@.metadata.name==\"jp\")]}{.kind}{end}", "deploy", "-n", NS))
        .isEqualTo("Deployment");
  }

  @Test
  void getCustomColumnsPrintsHeadersAndValues() {
    givenDeployment("cc", 4);
    Kubectl.Result result = ok("get", "deploy", "cc", "-n", NS,
        "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image,MISSING:.status.nothing");
    assertThat(columns(result.lines().get(0))).containsExactly("NAME", "REPLICAS", "IMAGE", "MISSING");
    assertThat(columns(result.lines().get(1))).containsExactly("cc", "4", "nginx:1.27", "<none>");
  }

  @Test
  void scaleChangesReplicasThroughTheScaleSubresource() {
    givenDeployment("scaled", 1);
    Kubectl.Result result = ok("scale", "deploy/scaled", "--replicas=5", "-n", NS);
    assertThat(result.stdout()).isEqualTo("deployment.apps/scaled scaled\n");
    assertThat(jsonpath("{.spec.replicas}", "deploy/scaled", "-n", NS)).isEqualTo("5");
    // The scale subresource as autoscaling/v1 Scale, which kubectl scale and HPAs read.
    Kubectl.Result scale = ok("get", "--raw", "/apis/apps/v1/namespaces/" + NS + "/deployments/scaled/scale");
    assertThat(scale.stdout()).as("%s", scale)
        .contains("\"kind\":\"Scale\"", "\"apiVersion\":\"autoscaling/v1\"", "\"replicas\":5", "\"selector\":\"app=scaled\"");
  }

  @Test
  void scaleWithStaleCurrentReplicasPreconditionFails() {
    givenDeployment("precondition", 2);
    Kubectl.Result result = assertFails(kubectl.run("scale", "deploy/precondition", "--current-replicas=3", "--replicas=4", "-n", NS));
    assertThat(result.stderr()).contains("Expected replicas to be 3, was 2");
    assertThat(jsonpath("{.spec.replicas}", "deploy/precondition", "-n", NS)).isEqualTo("2");
  }

  @Test
  void labelAddsAndRefusesToOverwriteWithoutFlag() {
    givenDeployment("labeled", 1);
    assertThat(ok("label", "deploy", "labeled", "env=prod", "-n", NS).stdout()).isEqualTo("deployment.apps/labeled labeled\n");
    assertThat(jsonpath("{.metadata.labels.env}", "deploy/labeled", "-n", NS)).isEqualTo("prod");

    Kubectl.Result clash = assertFails(kubectl.run("label", "deploy", "labeled", "env=dev", "-n", NS));
    assertThat(clash.stderr()).contains("'env' already has a value (prod), and --overwrite is false");

    ok("label", "deploy", "labeled", "env-", "-n", NS);
    assertThat(jsonpath("{.metadata.labels}", "deploy/labeled", "-n", NS)).isEqualTo("{\"app\":\"labeled\"}");
  }

  @Test
  void annotateSetsAnAnnotationWithoutBumpingGeneration() {
    givenDeployment("annotated", 1);
    assertThat(ok("annotate", "deploy", "annotated", "team=core", "-n", NS).stdout())
        .isEqualTo("deployment.apps/annotated annotated\n");
    // Metadata changes are not spec changes: generation stays at 1.
    assertThat(jsonpath("{.metadata.annotations.team} {.metadata.generation}", "deploy/annotated", "-n", NS))
        .isEqualTo("core 1");
  }

  @Test
  void strategicMergePatchMergesContainersByName() {
    // Containers merge by name: nginx stays. Kubernetes puts the patch's new items before the
    // server-only ones when the patch carries no $setElementOrder (mergeSortedSlice), so sidecar comes first.
    givenDeployment("smp", 1);
    Kubectl.Result result = ok("patch", "deploy", "smp", "-n", NS,
        "-p", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"sidecar\",\"image\":\"busybox:1.36\"}]}}}}");
    assertThat(result.stdout()).isEqualTo("deployment.apps/smp patched\n");
    assertThat(jsonpath("{.spec.template.spec.containers[*].name} {.metadata.generation}", "deploy/smp", "-n", NS))
        .isEqualTo("sidecar nginx 2");
  }

  @Test
  void mergePatchReplacesTheContainerList() {
    givenDeployment("merge", 1);
    ok("patch", "deploy", "merge", "-n", NS, "--type=merge",
        "-p", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"only\",\"image\":\"busybox:1.36\"}]}}}}");
    assertThat(jsonpath("{.spec.template.spec.containers[*].name}", "deploy/merge", "-n", NS)).isEqualTo("only");
  }

  @Test
  void jsonPatchAppliesOperationsAndFailsOnATestMismatch() {
    givenDeployment("jsonpatch", 1);
    ok("patch", "deploy", "jsonpatch", "-n", NS, "--type=json",
        "-p", "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4},{\"op\":\"add\",\"path\":\"/metadata/labels/tier\",\"value\":\"web\"}]");
    assertThat(jsonpath("{.spec.replicas} {.metadata.labels.tier}", "deploy/jsonpatch", "-n", NS)).isEqualTo("4 web");

    Kubectl.Result failed = assertFails(kubectl.run("patch", "deploy", "jsonpatch", "-n", NS, "--type=json",
        "-p", "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":9},{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":9}]"));
    // A failed test operation is 422 Invalid without a kind or name, which kubectl words this way.
    assertThat(failed.stderr()).startsWith("The request is invalid: ");
    assertThat(jsonpath("{.spec.replicas}", "deploy/jsonpatch", "-n", NS)).isEqualTo("4");
  }

  @Test
  void patchThatChangesNothingSaysNoChange() {
    givenDeployment("noop", 2);
    // kubectl says "no change" when the object it gets back equals the one it read; the controllers'
    // status writes must be over first, or one landing in between makes it "patched" (as on Kubernetes).
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
      String before = kubectl.run("get", "deploy", "noop", "-n", NS, "-o", "jsonpath={.metadata.resourceVersion}").stdout();
      String status = kubectl.run("get", "deploy", "noop", "-n", NS, "-o", "jsonpath={.status.replicas}").stdout();
      Thread.sleep(1500);
      String after = kubectl.run("get", "deploy", "noop", "-n", NS, "-o", "jsonpath={.metadata.resourceVersion}").stdout();
      return "2".equals(status) && before.equals(after);
    });
    Kubectl.Result result = ok("patch", "deploy", "noop", "-n", NS, "-p", "{\"spec\":{\"replicas\":2}}");
    assertThat(result.stdout()).isEqualTo("deployment.apps/noop patched (no change)\n");
  }

  @Test
  void editWithAScriptedEditor(@TempDir Path scripts) throws Exception {
    givenDeployment("edited", 1);
    Path editor = Kubectl.sedEditor(scripts, "s#image: nginx:1.27#image: nginx:1.28#");
    Kubectl.Result result = assertOk(kubectl.withEnv("EDITOR", editor.toString())
        .run("edit", "deploy/edited", "-n", NS));
    assertThat(result.stdout()).isEqualTo("deployment.apps/edited edited\n");
    assertThat(jsonpath("{.spec.template.spec.containers[0].image} {.metadata.generation}", "deploy/edited", "-n", NS))
        .isEqualTo("nginx:1.28 2");
  }

  @Test
  void editThatBreaksValidationIsRejectedWithTheServerMessage(@TempDir Path scripts) throws Exception {
    givenDeployment("badedit", 1);
    Path editor = Kubectl.sedEditor(scripts, "s#replicas: 1#replicas: -1#");
    Kubectl.Result result = assertFails(kubectl.withEnv("EDITOR", editor.toString())
        .run("edit", "deploy/badedit", "-n", NS));
    // kubectl reopens the editor with the server's causes as comments; the script changes nothing more,
    // so kubectl gives up and keeps the edited copy, whose header holds the causes.
    assertThat(result.stderr()).contains("error: deployments.apps \"badedit\" is invalid",
        "error: Edit cancelled, no valid changes were saved.");
    Matcher copy = Pattern.compile("A copy of your changes has been stored to \"([^\"]+)\"").matcher(result.stderr());
    assertThat(copy.find()).as("%s", result).isTrue();
    Path kept = Path.of(copy.group(1));
    try {
      assertThat(Files.readString(kept)).contains("# * spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    } finally {
      Files.deleteIfExists(kept);
    }
    assertThat(jsonpath("{.spec.replicas}", "deploy/badedit", "-n", NS)).isEqualTo("1");
  }

  @Test
  void describeDeploymentShowsReplicasStrategyAndTemplate() {
    givenDeployment("described", 3);
    // The counts come from the ReplicaSet's status, written after its pods are created: the first
    // Deployment status already says 3 unavailable while 0 are updated, as on Kubernetes.
    ok("wait", "deploy/described", "-n", NS, "--for=jsonpath={.status.updatedReplicas}=3", "--timeout=30s");
    ok("wait", "deploy/described", "-n", NS, "--for=jsonpath={.status.unavailableReplicas}=3", "--timeout=30s");
    Kubectl.Result result = ok("describe", "deploy", "described", "-n", NS);
    assertThat(result.stdout()).as("%s", result)
        .containsPattern("(?m)^Name:\\s+described$")
        .containsPattern("(?m)^Namespace:\\s+" + NS + "$")
        .containsPattern("(?m)^Selector:\\s+app=described$")
        .containsPattern("(?m)^Replicas:\\s+3 desired \\| 3 updated \\| 3 total \\| 0 available \\| 3 unavailable$")
        .containsPattern("(?m)^StrategyType:\\s+RollingUpdate$")
        .containsPattern("(?m)^RollingUpdateStrategy:\\s+25% max unavailable, 25% max surge$")
        .containsPattern("(?m)^Pod Template:$")
        .containsPattern("(?m)^    Image:\\s+nginx:1.27$")
        .containsPattern("(?m)^  Available\\s+False\\s+MinimumReplicasUnavailable$")
        .containsPattern("(?m)^NewReplicaSet:\\s+described-[a-z0-9]+ \\(3/3 replicas created\\)$");
  }

  @Test
  void exposeDeploymentCreatesAClusterIpService() {
    givenDeployment("exposed", 1);
    assertThat(ok("expose", "deployment", "exposed", "--port=80", "--target-port=8080", "-n", NS).stdout())
        .isEqualTo("service/exposed exposed\n");
    Kubectl.Result result = ok("get", "svc", "exposed", "-n", NS);
    assertThat(columns(result.lines().get(0))).containsExactly("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE");
    List<String> row = row(result, "exposed");
    assertThat(row.get(1)).as("%s", result).isEqualTo("ClusterIP");
    // Allocated from the default service CIDR 10.96.0.0/12 (10.96.0.0 - 10.111.255.255).
    assertThat(row.get(2)).as("%s", result).matches("10\\.(9[6-9]|10[0-9]|11[01])\\.\\d+\\.\\d+");
    assertThat(row.subList(3, 5)).as("%s", result).containsExactly("<none>", "80/TCP");
  }

  @Test
  void describeServiceShowsTypeIpPortsAndAffinity() {
    givenDeployment("svcdesc", 1);
    ok("expose", "deployment", "svcdesc", "--port=80", "--target-port=8080", "-n", NS);
    Kubectl.Result result = ok("describe", "svc", "svcdesc", "-n", NS);
    assertThat(result.stdout()).as("%s", result)
        .containsPattern("(?m)^Name:\\s+svcdesc$")
        .containsPattern("(?m)^Selector:\\s+app=svcdesc$")
        .containsPattern("(?m)^Type:\\s+ClusterIP$")
        .containsPattern("(?m)^IP Family Policy:\\s+SingleStack$")
        .containsPattern("(?m)^IP Families:\\s+IPv4$")
        .containsPattern("(?m)^IP:\\s+10\\.\\d+\\.\\d+\\.\\d+$")
        .containsPattern("(?m)^Port:\\s+<unset>\\s+80/TCP$")
        .containsPattern("(?m)^TargetPort:\\s+8080/TCP$")
        .containsPattern("(?m)^Session Affinity:\\s+None$")
        .containsPattern("(?m)^Internal Traffic Policy:\\s+Cluster$");
  }

  @Test
  void waitForJsonpathReturnsWhenAConcurrentChangeMatches() throws Exception {
    givenDeployment("waited", 1);
    try (Kubectl.Background wait = kubectl.background("wait", "deploy/waited", "-n", NS,
        "--for=jsonpath={.spec.replicas}=4", "--timeout=30s")) {
      // Let wait see the current state (1 replica) first, so the change really happens concurrently.
      Thread.sleep(1000);
      ok("scale", "deploy/waited", "--replicas=4", "-n", NS);
      assertThat(wait.awaitLine(line -> line.equals("deployment.apps/waited condition met"), Duration.ofSeconds(30)))
          .isNotNull();
      assertThat(wait.awaitExit(Duration.ofSeconds(10))).isZero();
    }
  }

  @Test
  void waitTimesOutWhenTheConditionNeverHolds() {
    givenDeployment("nevermet", 1);
    Kubectl.Result result = assertFails(kubectl.run("wait", "deploy/nevermet", "-n", NS,
        "--for=jsonpath={.spec.replicas}=7", "--timeout=2s"));
    assertThat(result.stderr()).contains("timed out waiting for the condition on deployments/nevermet");
  }

  @Test
  void replaceStoresTheNewObjectAndRejectsAStaleResourceVersion() {
    givenDeployment("replaced", 1);
    String changed = null;
    Kubectl.Result replaced = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      // The deployment controller writes the status just after the create; a manifest read before
      // that write is already stale, and Kubernetes answers it with a Conflict too: read again.
      String current = ok("get", "deploy", "replaced", "-n", NS, "-o", "yaml").stdout();
      changed = current.replace("image: nginx:1.27", "image: nginx:1.29");
      replaced = kubectl.runWithStdin(changed, "replace", "-f", "-");
      if (replaced.exitCode() == 0 || !replaced.stderr().contains("(Conflict)")) break;
    }
    assertThat(assertOk(replaced).stdout()).isEqualTo("deployment.apps/replaced replaced\n");
    assertThat(jsonpath("{.spec.template.spec.containers[0].image}", "deploy/replaced", "-n", NS)).isEqualTo("nginx:1.29");

    // The same manifest again carries the old resourceVersion: 409 Conflict, as Kubernetes words it.
    Kubectl.Result stale = assertFails(kubectl.runWithStdin(changed, "replace", "-f", "-"));
    assertThat(stale.stderr()).contains(
        "Error from server (Conflict): error when replacing \"STDIN\": Operation cannot be fulfilled on "
            + "deployments.apps \"replaced\": the object has been modified; please apply your changes to the latest version and try again");
  }

  @Test
  void diffShowsTheServerSideDryRunDifference(@TempDir Path dir) throws Exception {
    givenDeployment("diffed", 2);
    Path manifest = dir.resolve("d.yaml");
    Files.writeString(manifest, deployment("diffed", NS, 2, "nginx:1.27"));
    Kubectl.Result same = kubectl.run("diff", "-f", manifest.toString());
    assertThat(same.exitCode()).as("no difference: exit 0, %s", same).isZero();
    assertThat(same.stdout()).isEmpty();

    Files.writeString(manifest, deployment("diffed", NS, 3, "nginx:1.28"));
    Kubectl.Result changed = kubectl.run("diff", "-f", manifest.toString());
    assertThat(changed.exitCode()).as("a difference: exit 1, %s", changed).isEqualTo(1);
    assertThat(changed.stdout()).as("%s", changed)
        .containsPattern("(?m)^-  replicas: 2$")
        .containsPattern("(?m)^\\+  replicas: 3$")
        .containsPattern("(?m)^-      - image: nginx:1.27$")
        .containsPattern("(?m)^\\+      - image: nginx:1.28$")
        // The dry run bumps generation in the merged object, as a real update would.
        .containsPattern("(?m)^\\+  generation: 2$");
    // diff never writes.
    assertThat(jsonpath("{.spec.replicas}", "deploy/diffed", "-n", NS)).isEqualTo("2");
  }
}
