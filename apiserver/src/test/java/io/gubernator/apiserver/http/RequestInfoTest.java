package io.gubernator.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestInfoTest {

  static Stream<Arguments> paths() {
    return Stream.of(
        Arguments.of("core collection", "/api/v1/pods", true, "", "v1", null, "pods", null, null),
        Arguments.of("namespaced collection", "/api/v1/namespaces/default/pods", true, "", "v1", "default", "pods", null, null),
        Arguments.of("named object", "/apis/apps/v1/namespaces/ns1/deployments/web", true, "apps", "v1", "ns1", "deployments", "web", null),
        Arguments.of("subresource", "/apis/apps/v1/namespaces/ns1/deployments/web/scale", true, "apps", "v1", "ns1", "deployments", "web", "scale"),
        Arguments.of("a namespace itself", "/api/v1/namespaces/default", true, "", "v1", null, "namespaces", "default", null),
        Arguments.of("namespace status is not a resource in the namespace", "/api/v1/namespaces/default/status", true, "", "v1", null, "namespaces", "default", "status"),
        Arguments.of("namespace finalize", "/api/v1/namespaces/x/finalize", true, "", "v1", null, "namespaces", "x", "finalize"),
        Arguments.of("cluster-scoped object", "/api/v1/nodes/n1", true, "", "v1", null, "nodes", "n1", null),
        Arguments.of("trailing slash", "/api/v1/pods/", true, "", "v1", null, "pods", null, null),
        Arguments.of("group version discovery", "/apis/apps/v1", false, null, null, null, null, null, null),
        Arguments.of("health", "/healthz", false, null, null, null, null, null, null),
        Arguments.of("percent-encoded segments are decoded", "/api/v1/namespaces/d%65fault/configmaps/%61bc", true, "", "v1", "default", "configmaps", "abc", null),
        Arguments.of("an encoded slash stays in its segment", "/api/v1/namespaces/default/pods/a%2Fstatus", true, "", "v1", "default", "pods", "a/status", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("paths")
  void parsesPathsTheWayKubernetesDoes(String name, String path, boolean resource, String group, String version,
      String namespace, String plural, String object, String sub) {
    RequestInfo info = RequestInfo.parse(path);
    assertThat(info.resourceRequest()).isEqualTo(resource);
    assertThat(info.group()).isEqualTo(group);
    assertThat(info.version()).isEqualTo(version);
    assertThat(info.namespace()).isEqualTo(namespace);
    assertThat(info.resource()).isEqualTo(plural);
    assertThat(info.name()).isEqualTo(object);
    assertThat(info.subresource()).isEqualTo(sub);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("paths")
  void legacyWatchPrefixIsRecognised(String name, String path, boolean resource, String group, String version,
      String namespace, String plural, String object, String sub) {
    if (!resource || !path.startsWith("/api/v1/") || plural == null) return;
    RequestInfo info = RequestInfo.parse(path.replace("/api/v1/", "/api/v1/watch/"));
    assertThat(info.legacyWatch()).isTrue();
    assertThat(info.resource()).isEqualTo(plural);
    assertThat(info.name()).isEqualTo(object);
  }

  @org.junit.jupiter.api.Test
  void badEscapesAreRejectedAndMultibyteEscapesDecode() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RequestInfo.parse("/api/v1/namespaces/default/pods/a%zz"))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RequestInfo.parse("/api/v1/pods/a%2"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(RequestInfo.parse("/api/v1/namespaces/default/pods/%C3%A9+x").name()).isEqualTo("\u00e9+x");
  }
}
