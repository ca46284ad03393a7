package io.gubernator.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import io.gubernator.apiserver.it.ApiServerFixture;
import io.gubernator.apiserver.openapi.v2.Document;
import io.gubernator.apiserver.openapi.v2.NamedAny;
import io.gubernator.apiserver.openapi.v2.NamedSchema;
import io.gubernator.apiserver.openapi.v2.Schema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * /openapi/v2 as gnostic's protobuf Document, read back with our generated classes the way
 * kube-openapi reads it (definitions by name, x- extensions as YAML), next to the JSON it is
 * converted from.
 */
class OpenApiV2ProtobufTest {

  static final String KUBECTL_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
  static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

  @TempDir
  static Path dir;
  static ApiServerFixture server;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    server = ApiServerFixture.start(dir);
    http = server.httpClient();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static HttpResponse<byte[]> get(String accept, String ifNoneMatch) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "/openapi/v2"));
    if (accept != null) b.header("Accept", accept);
    if (ifNoneMatch != null) b.header("If-None-Match", ifNoneMatch);
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static Document protobuf() throws Exception {
    HttpResponse<byte[]> r = get(KUBECTL_ACCEPT, null);
    assertThat(r.statusCode()).isEqualTo(200);
    return Document.parseFrom(r.body());
  }

  private static Map<String, Schema> definitions(Document doc) {
    return doc.getDefinitions().getAdditionalPropertiesList().stream()
        .collect(Collectors.toMap(NamedSchema::getName, NamedSchema::getValue));
  }

  private static Optional<JsonNode> extension(List<NamedAny> extensions, String name) throws Exception {
    for (NamedAny e : extensions) {
      if (e.getName().equals(name)) return Optional.of(Json.YAML.readTree(e.getValue().getYaml()));
    }
    return Optional.empty();
  }

  @Test
  void kubectlsAcceptGetsTheProtobufDocumentWithKindsFoundByTheirGroupVersionKind() throws Exception {
    HttpResponse<byte[]> r = get(KUBECTL_ACCEPT, null);
    assertThat(r.statusCode()).isEqualTo(200);
    // The '@' form is never sent back: client-go's mime parser refuses it.
    assertThat(r.headers().firstValue("Content-Type")).contains(PROTOBUF);
    Document doc = Document.parseFrom(r.body());
    assertThat(doc.getSwagger()).isEqualTo("2.0");
    assertThat(doc.getInfo().getTitle()).isEqualTo("Kubernetes");

    Schema cm = definitions(doc).get("io.k8s.api.core.v1.ConfigMap");
    assertThat(cm).isNotNull();
    JsonNode gvk = extension(cm.getVendorExtensionList(), "x-kubernetes-group-version-kind").orElseThrow();
    assertThat(gvk.isArray()).isTrue();
    assertThat(gvk.get(0).get("group").asText()).isEmpty();
    assertThat(gvk.get(0).get("group").isTextual()).isTrue();
    assertThat(gvk.get(0).get("version").asText()).isEqualTo("v1");
    assertThat(gvk.get(0).get("kind").asText()).isEqualTo("ConfigMap");

    assertThat(cm.getType().getValueList()).containsExactly("object");
    Map<String, Schema> fields = cm.getProperties().getAdditionalPropertiesList().stream()
        .collect(Collectors.toMap(NamedSchema::getName, NamedSchema::getValue));
    assertThat(fields).containsKeys("apiVersion", "kind", "metadata", "data", "binaryData", "immutable");
    assertThat(fields.get("metadata").getRef()).isEqualTo("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    assertThat(fields.get("data").getType().getValueList()).containsExactly("object");
    assertThat(fields.get("data").getAdditionalProperties().getSchema().getType().getValueList()).containsExactly("string");
    assertThat(fields.get("immutable").getType().getValueList()).containsExactly("boolean");

    Schema deployment = definitions(doc).get("io.k8s.api.apps.v1.Deployment");
    JsonNode deploymentGvk = extension(deployment.getVendorExtensionList(), "x-kubernetes-group-version-kind").orElseThrow();
    assertThat(deploymentGvk.get(0).get("group").asText()).isEqualTo("apps");
  }

  /** kube-openapi refuses the whole document over one dangling reference, so none may dangle. */
  @Test
  void everyReferenceNamesADefinition() throws Exception {
    Map<String, Schema> defs = definitions(protobuf());
    List<String> refs = new ArrayList<>();
    defs.values().forEach(s -> collectRefs(s, refs));
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/definitions/");
      assertThat(defs).containsKey(ref.substring("#/definitions/".length()));
    }
  }

  private static void collectRefs(Schema s, List<String> out) {
    if (!s.getRef().isEmpty()) out.add(s.getRef());
    s.getProperties().getAdditionalPropertiesList().forEach(p -> collectRefs(p.getValue(), out));
    s.getItems().getSchemaList().forEach(i -> collectRefs(i, out));
    if (s.getAdditionalProperties().hasSchema()) collectRefs(s.getAdditionalProperties().getSchema(), out);
  }

  @Test
  void theProtobufDocumentIsTheJsonDocument() throws Exception {
    HttpResponse<byte[]> r = get("application/json", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    ObjectNode json = (ObjectNode) Json.MAPPER.readTree(r.body());
    assertThat(json.get("swagger").asText()).isEqualTo("2.0");

    Map<String, Schema> defs = definitions(protobuf());
    Set<String> jsonNames = new TreeSet<>();
    json.get("definitions").fieldNames().forEachRemaining(jsonNames::add);
    assertThat(new TreeSet<>(defs.keySet())).isEqualTo(jsonNames);
    // Converting the JSON again gives the very message that was served.
    assertThat(OpenApiV2Protobuf.document(json).getDefinitions()).isEqualTo(protobuf().getDefinitions());

    JsonNode cm = json.get("definitions").get("io.k8s.api.core.v1.ConfigMap");
    Set<String> jsonFields = new TreeSet<>();
    cm.get("properties").fieldNames().forEachRemaining(jsonFields::add);
    Set<String> protoFields = defs.get("io.k8s.api.core.v1.ConfigMap").getProperties().getAdditionalPropertiesList()
        .stream().map(NamedSchema::getName).collect(Collectors.toCollection(TreeSet::new));
    assertThat(protoFields).isEqualTo(jsonFields);
  }

  @ParameterizedTest(name = "Accept: {0}")
  @CsvSource(delimiter = '|', nullValues = "none", value = {
      "none | application/json",
      "*/* | application/json",
      "application/* | application/json",
      "application/json | application/json",
      "application/com.github.proto-openapi.spec.v2@v1.0+protobuf | application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
      "application/com.github.proto-openapi.spec.v2.v1.0+protobuf | application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
      "application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf | application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
      "application/com.github.proto-openapi.spec.v2@v1.0+protobuf;q=0.1, application/json | application/json",
      "application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json | application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
  })
  void acceptIsNegotiatedByQuality(String accept, String contentType) throws Exception {
    HttpResponse<byte[]> r = get(accept, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains(contentType);
    assertThat(r.headers().allValues("Vary")).contains("Accept");
  }

  @Test
  void anAcceptNamingNeitherFormIsRefused() throws Exception {
    assertThat(get("text/plain", null).statusCode()).isEqualTo(406);
    assertThat(get("application/vnd.kubernetes.protobuf", null).statusCode()).isEqualTo(406);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "application/json",
      "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
  })
  void aMatchingIfNoneMatchGets304(String accept) throws Exception {
    HttpResponse<byte[]> first = get(accept, null);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).startsWith("\"").endsWith("\"");
    assertThat(get(accept, null).headers().firstValue("ETag")).contains(etag);

    HttpResponse<byte[]> unchanged = get(accept, etag);
    assertThat(unchanged.statusCode()).isEqualTo(304);
    assertThat(unchanged.body()).isEmpty();
    assertThat(unchanged.headers().firstValue("ETag")).contains(etag);
    assertThat(get(accept, "\"other\", " + etag).statusCode()).isEqualTo(304);
    assertThat(get(accept, "W/" + etag).statusCode()).isEqualTo(304);

    HttpResponse<byte[]> other = get(accept, "\"something-else\"");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.body()).isEqualTo(first.body());
  }

  @Test
  void jsonAndProtobufHaveTheirOwnEtags() throws Exception {
    String json = get("application/json", null).headers().firstValue("ETag").orElseThrow();
    String pb = get(KUBECTL_ACCEPT, null).headers().firstValue("ETag").orElseThrow();
    assertThat(json).isNotEqualTo(pb);
    assertThat(get(KUBECTL_ACCEPT, json).statusCode()).isEqualTo(200);
  }
}
