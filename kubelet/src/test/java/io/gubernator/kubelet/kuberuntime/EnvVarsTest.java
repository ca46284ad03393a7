package io.gubernator.kubelet.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class EnvVarsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "defined variable|x-$(A)-y|x-1-y",
      "undefined variable stays|$(NOPE)|$(NOPE)",
      "escaped dollar|$$(A)|$(A)",
      "double dollar alone|a$$b|a$b",
      "unterminated reference|$(A|$(A",
      "lone dollar|cost $5|cost $5",
      "two references|$(A)$(B)|12",
  })
  void expandsLikeKubernetes(String name, String input, String expected) {
    assertThat(EnvVars.expand(input, Map.of("A", "1", "B", "2"))).isEqualTo(expected);
  }

  private static final EnvVars.Objects OBJECTS = new EnvVars.Objects() {
    @Override
    public ConfigMap configMap(String namespace, String name) {
      return "cfg".equals(name) ? new ConfigMapBuilder().addToData("color", "blue").addToData("size", "7").build() : null;
    }

    @Override
    public Secret secret(String namespace, String name) {
      return "sec".equals(name) ? new SecretBuilder().addToData("pw", Base64.getEncoder().encodeToString("s3".getBytes())).build() : null;
    }
  };

  private static Pod pod(Container c) {
    return new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").withUid("u1").addToLabels("a", "b").endMetadata()
        .withNewSpec().withContainers(c).endSpec().withNewStatus().withPodIP("10.42.0.9").endStatus().build();
  }

  @Test
  void envFromComesFirstAndEnvOverridesWithExpansionOfEarlierValues() throws Exception {
    Container c = new ContainerBuilder().withName("c")
        .addNewEnvFrom().withPrefix("CM_").withNewConfigMapRef().withName("cfg").endConfigMapRef().endEnvFrom()
        .addNewEnv().withName("CM_color").withValue("red").endEnv()
        .addNewEnv().withName("MSG").withValue("$(CM_color)-$(CM_size)").endEnv()
        .addNewEnv().withName("PW").withNewValueFrom().withNewSecretKeyRef().withName("sec").withKey("pw").endSecretKeyRef().endValueFrom().endEnv()
        .addNewEnv().withName("IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("HOST").withNewValueFrom().withNewFieldRef().withFieldPath("status.hostIP").endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("LBL").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.labels['a']").endFieldRef().endValueFrom().endEnv()
        .build();
    Map<String, String> env = EnvVars.resolve(pod(c), c, "192.0.2.1", OBJECTS);
    assertThat(env).containsEntry("CM_color", "red").containsEntry("CM_size", "7").containsEntry("MSG", "red-7")
        .containsEntry("PW", "s3").containsEntry("IP", "10.42.0.9").containsEntry("HOST", "192.0.2.1").containsEntry("LBL", "b");
  }

  @Test
  void aMissingRequiredReferenceIsAnErrorAndAnOptionalOneIsSkipped() throws Exception {
    Container required = new ContainerBuilder().withName("c").addNewEnv().withName("X").withNewValueFrom()
        .withNewConfigMapKeyRef().withName("cfg").withKey("absent").endConfigMapKeyRef().endValueFrom().endEnv().build();
    assertThatThrownBy(() -> EnvVars.resolve(pod(required), required, "h", OBJECTS))
        .isInstanceOf(EnvVars.MissingReferenceException.class).hasMessage("couldn't find key absent in ConfigMap ns/cfg");
    Container optional = new ContainerBuilder().withName("c").addNewEnv().withName("X").withNewValueFrom()
        .withNewSecretKeyRef().withName("nothere").withKey("k").withOptional(true).endSecretKeyRef().endValueFrom().endEnv().build();
    assertThat(EnvVars.resolve(pod(optional), optional, "h", OBJECTS)).doesNotContainKey("X");
  }

  @Test
  void servicesBecomeEnvironmentVariablesThatExplicitEnvOverrides() throws Exception {
    var kubernetes = new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withName("kubernetes").withNamespace("default").endMetadata()
        .withNewSpec().withClusterIP("10.96.0.1").addNewPort().withName("https").withPort(443).withProtocol("TCP").endPort().endSpec().build();
    var web = new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withName("my-web").withNamespace("ns").endMetadata()
        .withNewSpec().withClusterIP("10.96.0.20").addNewPort().withName("http").withPort(80).endPort()
        .addNewPort().withName("dns-udp").withPort(53).withProtocol("UDP").endPort().endSpec().build();
    var headless = new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withName("headless").withNamespace("ns").endMetadata()
        .withNewSpec().withClusterIP("None").addNewPort().withPort(1).endPort().endSpec().build();
    EnvVars.Objects objects = new EnvVars.Objects() {
      @Override
      public ConfigMap configMap(String namespace, String name) {
        return null;
      }

      @Override
      public Secret secret(String namespace, String name) {
        return null;
      }

      @Override
      public java.util.List<io.fabric8.kubernetes.api.model.Service> services(String namespace) {
        return namespace.equals("default") ? java.util.List.of(kubernetes) : java.util.List.of(web, headless);
      }
    };
    Container c = new ContainerBuilder().withName("c").addNewEnv().withName("MY_WEB_SERVICE_PORT").withValue("8080").endEnv().build();
    Map<String, String> env = EnvVars.resolve(pod(c), c, "h", objects);
    assertThat(env).containsEntry("KUBERNETES_SERVICE_HOST", "10.96.0.1").containsEntry("KUBERNETES_SERVICE_PORT", "443")
        .containsEntry("KUBERNETES_SERVICE_PORT_HTTPS", "443").containsEntry("KUBERNETES_PORT", "tcp://10.96.0.1:443")
        .containsEntry("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1")
        .containsEntry("MY_WEB_SERVICE_HOST", "10.96.0.20").containsEntry("MY_WEB_SERVICE_PORT", "8080")
        .containsEntry("MY_WEB_SERVICE_PORT_DNS_UDP", "53").containsEntry("MY_WEB_PORT_53_UDP", "udp://10.96.0.20:53")
        .containsEntry("MY_WEB_PORT_53_UDP_PROTO", "udp");
    assertThat(env.keySet()).noneMatch(k -> k.startsWith("HEADLESS"));
    Pod noLinks = pod(c);
    noLinks.getSpec().setEnableServiceLinks(false);
    assertThat(EnvVars.resolve(noLinks, c, "h", objects)).containsKey("KUBERNETES_SERVICE_HOST").doesNotContainKey("MY_WEB_SERVICE_HOST");
  }
}
