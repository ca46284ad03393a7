package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Namespaces, ConfigMaps, Secrets, Pods, Events: typed creates, describe, selectors, watch, delete. */
class CoreObjectsE2ETest extends KubectlTestBase {

  @Test
  void createNamespaceThenGetAndDescribeIt() {
    // kubectl create namespace sends a protobuf body.
    assertThat(ok("create", "namespace", "team-a").stdout()).isEqualTo("namespace/team-a created\n");
    assertThat(row(ok("get", "ns", "team-a"), "team-a").get(1)).isEqualTo("Active");
    Kubectl.Result describe = ok("describe", "namespace", "team-a");
    assertThat(describe.stdout()).as("%s", describe)
        .containsPattern("(?m)^Name:\\s+team-a$")
        .containsPattern("(?m)^Labels:\\s+kubernetes.io/metadata.name=team-a$")
        .containsPattern("(?m)^Status:\\s+Active$")
        .contains("No resource quota.", "No LimitRange resource.");
  }

  @Test
  void describeNamespaceCreatedByApply() {
    namespace("described-ns");
    Kubectl.Result describe = ok("describe", "ns", "described-ns");
    assertThat(describe.stdout()).as("%s", describe)
        .containsPattern("(?m)^Name:\\s+described-ns$")
        .containsPattern("(?m)^Labels:\\s+kubernetes.io/metadata.name=described-ns$")
        .containsPattern("(?m)^Annotations:\\s+<none>$")
        .containsPattern("(?m)^Status:\\s+Active$");
  }

  @Test
  void createNamespaceTwiceIsAlreadyExists() {
    namespace("twice");
    Kubectl.Result again = assertFails(kubectl.runWithStdin(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: twice\n", "create", "-f", "-"));
    assertThat(again.stderr()).isEqualTo(
        "Error from server (AlreadyExists): error when creating \"STDIN\": namespaces \"twice\" already exists\n");
  }

  @Test
  void deletedNamespaceTurnsTerminatingAndRefusesNewContent() {
    String ns = namespace("doomed-ns");
    apply(configMap("inside", ns, "a: b"));
    // No namespace controller empties it yet, so do not wait for it to disappear.
    assertThat(ok("delete", "ns", ns, "--wait=false").stdout()).isEqualTo("namespace \"doomed-ns\" deleted\n");
    assertThat(row(ok("get", "ns", ns), ns).get(1)).isEqualTo("Terminating");
    Kubectl.Result refused = assertFails(kubectl.runWithStdin(configMap("late", ns, "a: b"), "create", "-f", "-"));
    assertThat(refused.stderr()).isEqualTo("Error from server (Forbidden): error when creating \"STDIN\": configmaps \"late\" is "
        + "forbidden: unable to create new content in namespace doomed-ns because it is being terminated\n");
  }

  @Test
  void generateNameGetsARandomSuffix() {
    String ns = namespace("generated");
    String manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\n  namespace: " + ns + "\n";
    Kubectl.Result first = assertOk(kubectl.runWithStdin(manifest, "create", "-f", "-"));
    Kubectl.Result second = assertOk(kubectl.runWithStdin(manifest, "create", "-f", "-"));
    // Kubernetes appends five characters from its safe alphabet (no vowels, no look-alikes).
    assertThat(first.stdout()).matches("configmap/gen-[bcdfghjklmnpqrstvwxz2456789]{5} created\n");
    assertThat(second.stdout()).matches("configmap/gen-[bcdfghjklmnpqrstvwxz2456789]{5} created\n").isNotEqualTo(first.stdout());
  }

  @Test
  void createServiceNodePortAllocatesFromTheNodePortRange() {
    String ns = namespace("nodeport");
    assertThat(ok("create", "service", "nodeport", "np", "--tcp=80:8080", "-n", ns).stdout()).isEqualTo("service/np created\n");
    List<String> row = row(ok("get", "svc", "np", "-n", ns), "np");
    assertThat(row.get(1)).isEqualTo("NodePort");
    assertThat(row.get(4)).matches("80:3\\d{4}/TCP");
    int nodePort = Integer.parseInt(jsonpath("{.spec.ports[0].nodePort}", "svc/np", "-n", ns));
    assertThat(nodePort).isBetween(30000, 32767);
    assertThat(jsonpath("{.spec.externalTrafficPolicy}", "svc/np", "-n", ns)).isEqualTo("Cluster");
  }

  @Test
  void createJobShowsKubernetesJobColumns() {
    String ns = namespace("jobs");
    assertThat(ok("create", "job", "once", "--image=busybox:1.36", "-n", ns, "--", "true").stdout()).isEqualTo("job.batch/once created\n");
    Kubectl.Result result = ok("get", "jobs", "-n", ns);
    assertThat(columns(result.lines().get(0))).containsExactly("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE");
    // No job controller runs yet: no conditions (Running), nothing succeeded out of one completion.
    assertThat(row(result, "once").subList(0, 3)).containsExactly("once", "Running", "0/1");
    // Job defaults: the template's restartPolicy must be set by the user; backoffLimit, completions, parallelism are defaulted.
    assertThat(jsonpath("{.spec.backoffLimit} {.spec.completions} {.spec.parallelism} {.spec.template.spec.restartPolicy}", "job/once", "-n", ns))
        .isEqualTo("6 1 1 Never");
  }

  @Test
  void getNodesWhenThereAreNone() {
    Kubectl.Result result = ok("get", "nodes");
    assertThat(result.stdout()).isEmpty();
    assertThat(result.stderr()).isEqualTo("No resources found\n");
  }

  @Test
  void requestBodyOverThreeMebibytesIsTooLarge() {
    String ns = namespace("too-large");
    String big = "x".repeat(3 * 1024 * 1024 + 1024);
    String manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: " + ns + "\ndata:\n  blob: " + big + "\n";
    Kubectl.Result result = assertFails(kubectl.runWithStdin(manifest, "create", "-f", "-"));
    assertThat(result.stderr()).isEqualTo(
        "Error from server (RequestEntityTooLarge): error when creating \"STDIN\": Request entity too large: limit is 3145728\n");
    // The server is still there for the next request.
    ok("get", "ns", ns);
  }

  @Test
  void createConfigMapFromLiterals() {
    String ns = namespace("cm-literal");
    Kubectl.Result result = ok("create", "configmap", "settings", "--from-literal=color=blue", "--from-literal=size=L", "-n", ns);
    assertThat(result.stdout()).isEqualTo("configmap/settings created\n");
    assertThat(jsonpath("{.data.color} {.data.size}", "cm/settings", "-n", ns)).isEqualTo("blue L");
    List<String> row = row(ok("get", "cm", "settings", "-n", ns), "settings");
    assertThat(row.get(1)).as("DATA column").isEqualTo("2");
  }

  @Test
  void createSecretGeneric() {
    String ns = namespace("secret-generic");
    Kubectl.Result result = ok("create", "secret", "generic", "creds", "--from-literal=password=s3cr3t", "-n", ns);
    assertThat(result.stdout()).isEqualTo("secret/creds created\n");
    Kubectl.Result get = ok("get", "secret", "creds", "-n", ns);
    assertThat(columns(get.lines().get(0))).containsExactly("NAME", "TYPE", "DATA", "AGE");
    assertThat(row(get, "creds").subList(0, 3)).containsExactly("creds", "Opaque", "1");
    String encoded = jsonpath("{.data.password}", "secret/creds", "-n", ns);
    assertThat(new String(Base64.getDecoder().decode(encoded))).isEqualTo("s3cr3t");
  }

  @Test
  void runCreatesAPodThatStaysPendingWithoutNodes() {
    String ns = namespace("run-pod");
    assertThat(ok("run", "web", "--image=nginx:1.27", "--labels=app=web", "-n", ns).stdout())
        .isEqualTo("pod/web created\n");
    Kubectl.Result get = ok("get", "pod", "web", "-n", ns);
    assertThat(columns(get.lines().get(0))).containsExactly("NAME", "READY", "STATUS", "RESTARTS", "AGE");
    assertThat(row(get, "web").subList(0, 4)).containsExactly("web", "0/1", "Pending", "0");
    // Nobody schedules it: no node name, no conditions from a kubelet.
    assertThat(jsonpath("{.status.phase}|{.spec.nodeName}", "pod/web", "-n", ns)).isEqualTo("Pending|");

    Kubectl.Result wide = ok("get", "pod", "web", "-n", ns, "-o", "wide");
    assertThat(columns(wide.lines().get(0))).containsExactly(
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES");
    assertThat(row(wide, "web").subList(5, 9)).containsExactly("<none>", "<none>", "<none>", "<none>");

    // kubectl debug adds an ephemeral container through pods/ephemeralcontainers; it waits for a node like the pod.
    assertThat(ok("debug", "web", "--image=localhost/busybox:1", "-c", "dbg", "-n", ns, "--", "true").stdout()).isEmpty();
    assertThat(jsonpath("{.spec.ephemeralContainers[0].name}|{.spec.ephemeralContainers[0].image}", "pod/web", "-n", ns))
        .isEqualTo("dbg|localhost/busybox:1");
  }

  @Test
  void describePodShowsItsStateContainersAndEvents() {
    String ns = namespace("describe-pod");
    ok("run", "described", "--image=nginx:1.27", "-n", ns);
    String uid = jsonpath("{.metadata.uid}", "pod/described", "-n", ns);
    // describe finds a pod's events with a field selector on involvedObject (name, namespace, kind, uid).
    apply(event("described-event", ns, "described", uid, "Warning", "FailedScheduling", "no nodes available to schedule pods"));
    apply(event("other-event", ns, "someone-else", "0000", "Normal", "Unrelated", "must not be listed"));

    Kubectl.Result result = ok("describe", "pod", "described", "-n", ns);
    assertThat(result.stdout()).as("%s", result)
        .containsPattern("(?m)^Name:\\s+described$")
        .containsPattern("(?m)^Namespace:\\s+" + ns + "$")
        .containsPattern("(?m)^Node:\\s+<none>$")
        .containsPattern("(?m)^Labels:\\s+run=described$")
        .containsPattern("(?m)^Status:\\s+Pending$")
        .containsPattern("(?m)^    Image:\\s+nginx:1.27$")
        .containsPattern("(?m)^QoS Class:\\s+BestEffort$")
        .containsPattern("(?m)^  Warning\\s+FailedScheduling\\s+\\S+\\s+\\S+\\s+no nodes available to schedule pods$")
        .doesNotContain("must not be listed");
  }

  @Test
  void getEventsListsThemWithKubernetesColumns() {
    String ns = namespace("events");
    apply(event("listed-event", ns, "ghost", "1234", "Warning", "BackOff", "Back-off restarting failed container"));
    Kubectl.Result result = ok("get", "events", "-n", ns);
    assertThat(columns(result.lines().get(0))).containsExactly("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
    List<String> row = columns(result.lines().get(1));
    assertThat(row.subList(1, 5)).as("%s", result)
        .containsExactly("Warning", "BackOff", "pod/ghost", "Back-off restarting failed container");

    Kubectl.Result filtered = ok("get", "events", "-n", ns, "--field-selector", "type=Normal");
    assertThat(filtered.stderr()).isEqualTo("No resources found in " + ns + " namespace.\n");
  }

  @Test
  void getAllShowsPodsServicesAndDeployments() {
    String ns = namespace("get-all");
    ok("run", "solo", "--image=nginx:1.27", "-n", ns);
    apply(deployment("front", ns, 2, "nginx:1.27"));
    ok("expose", "deployment", "front", "--port=80", "-n", ns);
    apply(configMap("not-in-all", ns, "a: b"));
    ok("wait", "deploy/front", "-n", ns, "--for=jsonpath={.status.updatedReplicas}=2", "--timeout=30s");

    Kubectl.Result result = ok("get", "all", "-n", ns);
    assertThat(result.stdout()).as("%s", result)
        .containsPattern("(?m)^pod/solo\\s+0/1\\s+Pending\\s+0\\s+\\S+$")
        .containsPattern("(?m)^service/front\\s+ClusterIP\\s+10\\.\\S+\\s+<none>\\s+80/TCP\\s+\\S+$")
        .containsPattern("(?m)^deployment.apps/front\\s+0/2\\s+2\\s+0\\s+\\S+$")
        .containsPattern("(?m)^replicaset.apps/front-[a-z0-9]+\\s+2\\s+2\\s+0\\s+\\S+$")
        .doesNotContain("not-in-all");
  }

  @Test
  void setBasedLabelSelectors() {
    String ns = namespace("selectors");
    apply(configMap("a", ns, "tier: front, env: prod"));
    apply(configMap("b", ns, "tier: back, env: prod"));
    apply(configMap("c", ns, "tier: cache, env: dev"));
    apply(configMap("d", ns, "env: dev, canary: \"true\""));

    assertThat(names("cm", "-n", ns, "-l", "tier in (front,back)")).containsExactly("a", "b");
    assertThat(names("cm", "-n", ns, "-l", "tier notin (front,back)")).containsExactly("c", "d");
    assertThat(names("cm", "-n", ns, "-l", "tier")).containsExactly("a", "b", "c");
    assertThat(names("cm", "-n", ns, "-l", "!tier")).containsExactly("d");
    assertThat(names("cm", "-n", ns, "-l", "env=dev,!canary")).containsExactly("c");
    assertThat(names("cm", "-n", ns, "-l", "env!=prod,tier in (cache)")).containsExactly("c");

    Kubectl.Result bad = assertFails(kubectl.run("get", "cm", "-n", ns, "-l", "tier in front"));
    assertThat(bad.stderr()).contains("unable to parse requirement");
  }

  @Test
  void fieldSelectorsOnMetadataAndPodFields() {
    String ns = namespace("fields");
    ok("run", "p1", "--image=nginx:1.27", "-n", ns);
    ok("run", "p2", "--image=nginx:1.27", "-n", ns);
    assertThat(names("pods", "-n", ns, "--field-selector", "metadata.name=p1")).containsExactly("p1");
    assertThat(names("pods", "-n", ns, "--field-selector", "metadata.name!=p1")).containsExactly("p2");
    assertThat(names("pods", "-n", ns, "--field-selector", "status.phase=Pending,spec.nodeName=")).containsExactly("p1", "p2");
    assertThat(names("pods", "-n", ns, "--field-selector", "status.phase=Running")).isEmpty();
    assertThat(names("pods", "-A", "--field-selector", "metadata.namespace=" + ns)).containsExactly("p1", "p2");

    Kubectl.Result unsupported = assertFails(kubectl.run("get", "pods", "-n", ns, "--field-selector", "spec.foo=x"));
    assertThat(unsupported.stderr()).startsWith("Error from server (BadRequest)").contains("field label not supported: spec.foo");
  }

  @Test
  void watchPrintsAConcurrentChange() throws Exception {
    String ns = namespace("watch");
    apply(configMap("watched", ns, "v: \"1\""));
    try (Kubectl.Background watch = kubectl.background("get", "cm", "-n", ns, "-w", "--output-watch-events")) {
      watch.awaitLine(line -> columns(line).get(0).equals("EVENT"), Duration.ofSeconds(20));
      // The initial list is reported as ADDED, then the watch follows from its resourceVersion.
      watch.awaitLine(line -> columns(line).subList(0, 3).equals(List.of("ADDED", "watched", "1")), Duration.ofSeconds(20));
      ok("patch", "cm", "watched", "-n", ns, "--type=merge", "-p", "{\"data\":{\"more\":\"x\"}}");
      String modified = watch.awaitLine(line -> columns(line).get(0).equals("MODIFIED"), Duration.ofSeconds(20));
      assertThat(columns(modified).subList(0, 3)).containsExactly("MODIFIED", "watched", "2");
      apply(configMap("born", ns, "v: \"1\""));
      String added = watch.awaitLine(line -> columns(line).get(0).equals("ADDED"), Duration.ofSeconds(20));
      assertThat(columns(added).get(1)).isEqualTo("born");
      ok("delete", "cm", "born", "-n", ns);
      String deleted = watch.awaitLine(line -> columns(line).get(0).equals("DELETED"), Duration.ofSeconds(20));
      assertThat(columns(deleted).get(1)).isEqualTo("born");
    }
  }

  @Test
  void deleteOneObject() {
    String ns = namespace("delete-one");
    apply(configMap("doomed", ns, "a: b"));
    assertThat(ok("delete", "cm", "doomed", "-n", ns).stdout()).isEqualTo("configmap \"doomed\" deleted\n");
    Kubectl.Result gone = assertFails(kubectl.run("get", "cm", "doomed", "-n", ns));
    assertThat(gone.stderr()).isEqualTo("Error from server (NotFound): configmaps \"doomed\" not found\n");
    Kubectl.Result again = assertFails(kubectl.run("delete", "cm", "doomed", "-n", ns));
    assertThat(again.stderr()).isEqualTo("Error from server (NotFound): configmaps \"doomed\" not found\n");
  }

  @Test
  void deleteByLabel() {
    String ns = namespace("delete-label");
    apply(configMap("x1", ns, "grp: doomed"));
    apply(configMap("x2", ns, "grp: doomed"));
    apply(configMap("y1", ns, "grp: kept"));
    Kubectl.Result result = ok("delete", "cm", "-l", "grp=doomed", "-n", ns);
    assertThat(result.lines()).containsExactlyInAnyOrder("configmap \"x1\" deleted", "configmap \"x2\" deleted");
    assertThat(names("cm", "-n", ns)).containsExactly("y1");
  }

  @Test
  void deleteAllInANamespace() {
    String ns = namespace("delete-all");
    apply(configMap("k1", ns, "a: b"));
    apply(configMap("k2", ns, "a: b"));
    ok("run", "keeper", "--image=nginx:1.27", "-n", ns);
    Kubectl.Result result = ok("delete", "cm", "--all", "-n", ns);
    assertThat(result.lines()).containsExactlyInAnyOrder("configmap \"k1\" deleted", "configmap \"k2\" deleted");
    assertThat(ok("get", "cm", "-n", ns).stderr()).isEqualTo("No resources found in " + ns + " namespace.\n");
    assertThat(names("pods", "-n", ns)).as("other kinds untouched").containsExactly("keeper");
  }

  @Test
  void getWithChunkSizePagesThroughContinueTokens() {
    String ns = namespace("chunks");
    for (int i = 1; i <= 5; i++) {
      apply(configMap("page-" + i, ns, "n: \"" + i + "\""));
    }
    // -v=6 logs each request; three pages of at most two items need two continue tokens.
    Kubectl.Result result = ok("get", "cm", "-n", ns, "--chunk-size=2", "-v=6");
    assertThat(result.lines()).as("%s", result).hasSize(6);
    assertThat(columns(result.lines().get(0))).containsExactly("NAME", "DATA", "AGE");
    assertThat(result.lines().stream().skip(1).map(line -> columns(line).get(0)))
        .containsExactly("page-1", "page-2", "page-3", "page-4", "page-5");
    long pagedRequests = result.stderr().lines()
        .filter(line -> line.contains("/api/v1/namespaces/" + ns + "/configmaps?") && line.contains("limit=2"))
        .count();
    long continued = result.stderr().lines()
        .filter(line -> line.contains("/configmaps?") && line.contains("continue="))
        .count();
    assertThat(pagedRequests).as("%s", result).isEqualTo(3);
    assertThat(continued).as("%s", result).isEqualTo(2);
  }

  private static List<String> names(String... getArgs) {
    Kubectl.Result result = ok(concat(concat(new String[] {"get"}, getArgs), new String[] {"-o", "name"}));
    return result.lines().stream().map(line -> line.substring(line.indexOf('/') + 1)).sorted().toList();
  }

  private static String event(String name, String ns, String pod, String uid, String type, String reason, String message) {
    return """
        apiVersion: v1
        kind: Event
        metadata:
          name: %s
          namespace: %s
        involvedObject:
          apiVersion: v1
          kind: Pod
          name: %s
          namespace: %s
          uid: "%s"
        type: %s
        reason: %s
        message: %s
        source:
          component: e2e
        count: 1
        firstTimestamp: "2025-01-01T00:00:00Z"
        lastTimestamp: "2025-01-01T00:00:00Z"
        """.formatted(name, ns, pod, ns, uid, type, reason, message);
  }
}
