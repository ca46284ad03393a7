package io.gubernator.apiserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.gubernator.api.serialization.Protobuf;
import io.kubernetes.client.ProtoClient;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.proto.IntStr;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Responses in Kubernetes protobuf, read with the generated classes of client-java-proto and with
 * the official client's ProtoClient, as a client that asks for protobuf first reads them.
 */
class ProtobufResponsesTest {

  static final String PROTOBUF = "application/vnd.kubernetes.protobuf";

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();
  static HttpClient http;
  static ApiClient official;

  @BeforeAll
  static void start() throws Exception {
    http = server.httpClient();
    official = server.officialClient();
  }

  @AfterAll
  static void stop() {
    if (official != null) {
      official.getHttpClient().dispatcher().executorService().shutdownNow();
      official.getHttpClient().connectionPool().evictAll();
    }
  }

  private static HttpResponse<byte[]> send(String method, String path, String accept, String json) throws Exception {
    return http.send(server.request(method, path, accept, json), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static Runtime.Unknown unknown(byte[] body) throws Exception {
    assertThat(Arrays.copyOf(body, 4)).isEqualTo(Protobuf.MAGIC);
    return Runtime.Unknown.parseFrom(Arrays.copyOfRange(body, 4, body.length));
  }

  @Test
  void objectsListsAndErrorsInProtobuf() throws Exception {
    HttpResponse<byte[]> created = send("POST", "/api/v1/namespaces/default/configmaps", PROTOBUF + ", application/json",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"pb1\",\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}");
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().firstValue("Content-Type")).contains(PROTOBUF);
    Runtime.Unknown u = unknown(created.body());
    assertThat(u.getTypeMeta().getKind()).isEqualTo("ConfigMap");
    assertThat(u.getTypeMeta().getApiVersion()).isEqualTo("v1");
    V1.ConfigMap cm = V1.ConfigMap.parseFrom(u.getRaw());
    assertThat(cm.getDataMap()).containsEntry("k", "v");
    assertThat(cm.getMetadata().getUid()).isNotEmpty();
    assertThat(cm.getMetadata().getCreationTimestamp().getSeconds()).isGreaterThan(1_600_000_000L);

    HttpResponse<byte[]> list = send("GET", "/api/v1/namespaces/default/configmaps?labelSelector=a%3Db", PROTOBUF, null);
    assertThat(list.statusCode()).isEqualTo(200);
    Runtime.Unknown lu = unknown(list.body());
    assertThat(lu.getTypeMeta().getKind()).isEqualTo("ConfigMapList");
    V1.ConfigMapList l = V1.ConfigMapList.parseFrom(lu.getRaw());
    assertThat(l.getItemsList()).extracting(i -> i.getMetadata().getName()).containsExactly("pb1");
    assertThat(l.getMetadata().getResourceVersion()).isNotEmpty();

    // A client that accepts only protobuf gets its errors as a protobuf Status.
    HttpResponse<byte[]> missing = send("GET", "/api/v1/namespaces/default/configmaps/nope", PROTOBUF, null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Content-Type")).contains(PROTOBUF);
    Runtime.Unknown su = unknown(missing.body());
    assertThat(su.getTypeMeta().getKind()).isEqualTo("Status");
    Meta.Status status = Meta.Status.parseFrom(su.getRaw());
    assertThat(status.getCode()).isEqualTo(404);
    assertThat(status.getReason()).isEqualTo("NotFound");
    // ... and one that also accepts JSON gets JSON, as before.
    HttpResponse<byte[]> missingJson = send("GET", "/api/v1/namespaces/default/configmaps/nope", PROTOBUF + ", application/json", null);
    assertThat(missingJson.headers().firstValue("Content-Type")).contains("application/json");
  }

  @Test
  void theFirstAcceptableTypeWinsAndTablesStayJson() throws Exception {
    String path = "/api/v1/namespaces/default/services/kubernetes";
    assertThat(send("GET", path, "application/json, " + PROTOBUF, null).headers().firstValue("Content-Type"))
        .contains("application/json");
    assertThat(send("GET", path, "application/yaml, " + PROTOBUF, null).headers().firstValue("Content-Type"))
        .contains("application/yaml");
    HttpResponse<byte[]> proto = send("GET", path, PROTOBUF + ", application/json", null);
    assertThat(proto.headers().firstValue("Content-Type")).contains(PROTOBUF);
    assertThat(V1.Service.parseFrom(unknown(proto.body()).getRaw()).getSpec().getPorts(0).getTargetPort().getIntVal())
        .isEqualTo(6443);
    // Tables are served in JSON (and YAML) only; a protobuf Table request falls through to the next type.
    HttpResponse<byte[]> table = send("GET", "/api/v1/namespaces/default/services",
        PROTOBUF + ";as=Table;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io, application/json", null);
    assertThat(table.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(new String(table.body(), StandardCharsets.UTF_8)).contains("\"kind\":\"Table\"");
    // Discovery is unchanged.
    assertThat(send("GET", "/api/v1", PROTOBUF + ", application/json", null).headers().firstValue("Content-Type"))
        .contains("application/json");
  }

  @Test
  void watchStreamsLengthPrefixedWatchEvents() throws Exception {
    send("POST", "/api/v1/namespaces/default/configmaps", "application/json",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"w1\",\"labels\":{\"w\":\"x\"}}}");
    HttpRequest req = HttpRequest.newBuilder(URI.create(server.url()
            + "/api/v1/namespaces/default/configmaps?watch=1&labelSelector=w&timeoutSeconds=10"))
        .header("Accept", PROTOBUF + ";stream=watch, application/json;stream=watch").GET().build();
    HttpResponse<InputStream> res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.headers().firstValue("Content-Type")).contains(PROTOBUF + ";stream=watch");
    try (DataInputStream in = new DataInputStream(res.body())) {
      Meta.WatchEvent first = readEvent(in);
      assertThat(first.getType()).isEqualTo("ADDED");
      Runtime.Unknown u = unknown(first.getObject().getRaw().toByteArray());
      assertThat(u.getTypeMeta().getKind()).isEqualTo("ConfigMap");
      assertThat(V1.ConfigMap.parseFrom(u.getRaw()).getMetadata().getName()).isEqualTo("w1");
      send("DELETE", "/api/v1/namespaces/default/configmaps/w1", "application/json", null);
      Meta.WatchEvent deleted = readEvent(in);
      assertThat(deleted.getType()).isEqualTo("DELETED");
      assertThat(V1.ConfigMap.parseFrom(unknown(deleted.getObject().getRaw().toByteArray()).getRaw()).getMetadata().getName())
          .isEqualTo("w1");
    }
  }

  private static Meta.WatchEvent readEvent(DataInputStream in) throws Exception {
    int length = in.readInt();
    assertThat(length).isBetween(1, 1 << 20);
    byte[] frame = new byte[length];
    in.readFully(frame);
    return Meta.WatchEvent.parseFrom(frame);
  }

  @Test
  void officialProtoClientCreatesGetsListsAndDeletes() throws Exception {
    ProtoClient proto = new ProtoClient(official);
    V1.Pod pod = V1.Pod.newBuilder()
        .setMetadata(Meta.ObjectMeta.newBuilder().setName("proto-pod").setNamespace("default"))
        .setSpec(V1.PodSpec.newBuilder().addContainers(V1.Container.newBuilder().setName("c").setImage("busybox")
            .setLivenessProbe(V1.Probe.newBuilder().setHandler(V1.ProbeHandler.newBuilder().setHttpGet(
                V1.HTTPGetAction.newBuilder().setPath("/").setPort(IntStr.IntOrString.newBuilder().setType(0).setIntVal(8080)))))))
        .build();
    ProtoClient.ObjectOrStatus<V1.Pod> created = proto.create(pod, "/api/v1/namespaces/default/pods", "v1", "Pod");
    assertThat(created.status).isNull();
    assertThat(created.object.getMetadata().getUid()).isNotEmpty();
    assertThat(created.object.getSpec().getContainers(0).getLivenessProbe().getHandler().getHttpGet().getPort().getIntVal())
        .isEqualTo(8080);

    ProtoClient.ObjectOrStatus<V1.Pod> got = proto.get(V1.Pod.newBuilder(), "/api/v1/namespaces/default/pods/proto-pod");
    assertThat(got.object.getMetadata().getName()).isEqualTo("proto-pod");
    assertThat(got.object.getSpec().getRestartPolicy()).isEqualTo("Always");

    ProtoClient.ObjectOrStatus<V1.PodList> list = proto.list(V1.PodList.newBuilder(), "/api/v1/namespaces/default/pods");
    assertThat(list.object.getItemsList()).extracting(p -> p.getMetadata().getName()).contains("proto-pod");

    ProtoClient.ObjectOrStatus<V1.Pod> missing = proto.get(V1.Pod.newBuilder(), "/api/v1/namespaces/default/pods/nope");
    assertThat(missing.object).isNull();
    assertThat(missing.status.getCode()).isEqualTo(404);

    ProtoClient.ObjectOrStatus<V1.Pod> deleted = proto.delete(V1.Pod.newBuilder(), "/api/v1/namespaces/default/pods/proto-pod",
        Meta.DeleteOptions.newBuilder().setGracePeriodSeconds(0).build());
    assertThat(deleted.status == null ? deleted.object.getMetadata().getName() : deleted.status.getStatus())
        .isIn("proto-pod", "Success");
    assertThat(proto.get(V1.Pod.newBuilder(), "/api/v1/namespaces/default/pods/proto-pod").status.getCode()).isEqualTo(404);
  }
}
