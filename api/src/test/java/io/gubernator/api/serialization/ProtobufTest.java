package io.gubernator.api.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.errors.StatusException;
import io.kubernetes.client.proto.IntStr;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Resource;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class ProtobufTest {

  private static byte[] envelope(String apiVersion, String kind, com.google.protobuf.Message object) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Protobuf.MAGIC);
    Runtime.Unknown.newBuilder()
        .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
        .setRaw(object.toByteString()).build().writeTo(out);
    return out.toByteArray();
  }

  @Test
  void deploymentDecodesToKubernetesJson() throws Exception {
    V1Apps.Deployment d = V1Apps.Deployment.newBuilder()
        .setMetadata(Meta.ObjectMeta.newBuilder().setName("web").setNamespace("").setGeneration(0)
            .setCreationTimestamp(Meta.Time.newBuilder().setSeconds(0)).putLabels("app", "web"))
        .setSpec(V1Apps.DeploymentSpec.newBuilder().setReplicas(0).setPaused(false)
            .setSelector(Meta.LabelSelector.newBuilder().putMatchLabels("app", "web"))
            .setStrategy(V1Apps.DeploymentStrategy.newBuilder().setType("RollingUpdate")
                .setRollingUpdate(V1Apps.RollingUpdateDeployment.newBuilder()
                    .setMaxSurge(IntStr.IntOrString.newBuilder().setType(1).setStrVal("25%"))
                    .setMaxUnavailable(IntStr.IntOrString.newBuilder().setType(0).setIntVal(1))))
            .setTemplate(V1.PodTemplateSpec.newBuilder().setSpec(V1.PodSpec.newBuilder()
                .addContainers(V1.Container.newBuilder().setName("c").setImage("nginx").setStdin(false)
                    .setResources(V1.ResourceRequirements.newBuilder()
                        .putLimits("memory", Resource.Quantity.newBuilder().setString("64Mi").build()))))))
        .build();
    ObjectNode json = Protobuf.decode(envelope("apps/v1", "Deployment", d));
    assertThat(json.path("apiVersion").asText()).isEqualTo("apps/v1");
    assertThat(json.path("kind").asText()).isEqualTo("Deployment");
    assertThat(json.path("metadata").path("name").asText()).isEqualTo("web");
    // Go writes empty strings, zero generations and zero Times; JSON would not have had them.
    assertThat(json.path("metadata").has("namespace")).isFalse();
    assertThat(json.path("metadata").has("generation")).isFalse();
    assertThat(json.path("metadata").has("creationTimestamp")).isFalse();
    assertThat(json.path("spec").path("paused").isMissingNode()).isTrue();
    // ... but a replicas of 0 is the user's choice and stays.
    assertThat(json.path("spec").path("replicas").asInt(-1)).isEqualTo(0);
    assertThat(json.path("spec").path("strategy").path("rollingUpdate").path("maxSurge").asText()).isEqualTo("25%");
    assertThat(json.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").isInt()).isTrue();
    assertThat(json.at("/spec/template/spec/containers/0/resources/limits/memory").asText()).isEqualTo("64Mi");
    assertThat(json.at("/spec/selector/matchLabels/app").asText()).isEqualTo("web");
  }

  @Test
  void secretBytesBecomeBase64() throws Exception {
    V1.Secret s = V1.Secret.newBuilder().setMetadata(Meta.ObjectMeta.newBuilder().setName("s"))
        .putData("k", com.google.protobuf.ByteString.copyFromUtf8("hello")).build();
    ObjectNode json = Protobuf.decode(envelope("v1", "Secret", s));
    assertThat(json.at("/data/k").asText()).isEqualTo("aGVsbG8=");
  }

  @Test
  void bodiesWithoutTheMagicPrefixOrWithGarbageAreBadRequests() {
    assertThatThrownBy(() -> Protobuf.decode(new byte[] {1, 2, 3, 4, 5}))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(400));
    assertThatThrownBy(() -> Protobuf.decode(new byte[] {0x6b, 0x38, 0x73, 0x00, (byte) 0xff, (byte) 0xff, 0x01}))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(400));
  }

  @Test
  void unknownKindsAreBadRequests() throws Exception {
    byte[] body = envelope("example.com/v1", "Widget", V1.ConfigMap.getDefaultInstance());
    assertThatThrownBy(() -> Protobuf.decode(body))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(400));
  }
}
