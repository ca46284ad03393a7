package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kubectl's client-side validation over OpenAPI v2 in protobuf. OpenAPI v3 has no schema for a
 * {@code kind: List}, so kubectl validates its items against /openapi/v2, which it asks for only as
 * gnostic's protobuf; a server that answers JSON only fails every such apply.
 */
class OpenApiV2E2ETest extends KubectlTestBase {

  private static final String NS = "openapi-v2-e2e";

  @BeforeAll
  static void createNamespace() {
    namespace(NS);
  }

  private static String list(String... items) {
    StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
    for (String item : items) yaml.append(item.indent(2).replaceFirst("^  ", "- "));
    return yaml.toString();
  }

  @Test
  void applyAListOfTwoConfigMaps(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("list.yaml");
    Files.writeString(file, list(configMap("list-a", NS, "from: list"), configMap("list-b", NS, "from: list")));
    assertThat(ok("apply", "-f", file.toString()).lines()).containsExactly("configmap/list-a created", "configmap/list-b created");
    assertThat(ok("get", "cm", "-n", NS, "-l", "from=list", "-o", "name").lines())
        .containsExactly("configmap/list-a", "configmap/list-b");
    // The second apply fetches the document again (kubectl's HTTP cache revalidates by ETag).
    assertThat(ok("apply", "-f", file.toString()).lines()).containsExactly("configmap/list-a unchanged", "configmap/list-b unchanged");
  }

  @Test
  void strictValidationOfAListItemWithAnUnknownFieldFails(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    String bad = configMap("list-bad", NS, "a: b").replace("\ndata:\n", "\nbogus: 1\ndata:\n");
    Files.writeString(file, list(bad));
    Kubectl.Result result = assertFails(kubectl.run("apply", "--validate=strict", "-f", file.toString()));
    assertThat(result.stderr()).isEqualTo("error: error validating \"" + file + "\": error validating data: "
        + "ValidationError(ConfigMap): unknown field \"bogus\" in io.k8s.api.core.v1.ConfigMap; "
        + "if you choose to ignore these errors, turn validation off with --validate=false\n");
    assertFails(kubectl.run("get", "cm", "list-bad", "-n", NS));
  }

  @Test
  void nestedFieldsAndTypesOfListItemsAreValidatedToo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("deploy.yaml");
    String bad = deployment("list-deploy", NS, 1, "nginx:1.27").replace("  replicas: 1\n", "  replicas: \"one\"\n");
    Files.writeString(file, list(bad));
    Kubectl.Result result = assertFails(kubectl.run("apply", "-f", file.toString()));
    assertThat(result.stderr()).contains(
        "ValidationError(Deployment.spec.replicas): invalid type for ", ".DeploymentSpec.replicas: got \"string\", expected \"integer\"");
    assertFails(kubectl.run("get", "deploy", "list-deploy", "-n", NS));
  }

  @Test
  void jsonIsStillServed() {
    assertThat(ok("get", "--raw", "/openapi/v2").stdout()).startsWith("{\"swagger\":\"2.0\"")
        .contains("\"io.k8s.api.core.v1.ConfigMap\":{");
  }
}
