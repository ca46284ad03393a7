package io.gubernator.apiserver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.util.PatchUtils;
import io.kubernetes.client.util.Watch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The official Kubernetes Java client (generated from Kubernetes' OpenAPI, gson, OkHttp) against
 * an in-process API server: it decodes responses strictly by Kubernetes' schema, so field names
 * and shapes that fabric8 tolerates would fail here.
 */
class OfficialJavaClientTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();
  static ApiClient client;
  static CoreV1Api core;

  @BeforeAll
  static void start() throws Exception {
    client = server.officialClient();
    core = new CoreV1Api(client);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.getHttpClient().dispatcher().executorService().shutdownNow();
      client.getHttpClient().connectionPool().evictAll();
    }
  }

  private static V1Pod pod(String ns, String name) {
    return new V1Pod().metadata(new V1ObjectMeta().name(name).namespace(ns).labels(Map.of("app", name)))
        .spec(new V1PodSpec().containers(List.of(new V1Container().name("main").image("busybox:1.36")
            .command(List.of("sleep", "3600")))));
  }

  @Test
  void namespaceAndPodCrud() throws Exception {
    V1Namespace ns = core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name("official")
        .labels(Map.of("team", "a")))).execute();
    assertThat(ns.getMetadata().getUid()).isNotBlank();
    assertThat(ns.getStatus().getPhase()).isEqualTo("Active");
    assertThat(core.readNamespace("official").execute().getMetadata().getLabels()).containsEntry("team", "a");
    assertThat(core.listNamespace().labelSelector("team=a").execute().getItems())
        .extracting(n -> n.getMetadata().getName()).containsExactly("official");

    V1Pod created = core.createNamespacedPod("official", pod("official", "p1")).execute();
    assertThat(created.getMetadata().getUid()).isNotBlank();
    // Defaults Kubernetes fills in, which the typed client must be able to decode.
    assertThat(created.getSpec().getRestartPolicy()).isEqualTo("Always");
    assertThat(created.getSpec().getDnsPolicy()).isEqualTo("ClusterFirst");
    assertThat(created.getSpec().getContainers().get(0).getTerminationMessagePath()).isEqualTo("/dev/termination-log");
    assertThat(created.getStatus().getPhase()).isEqualTo("Pending");

    V1Pod read = core.readNamespacedPod("p1", "official").execute();
    assertThat(read.getMetadata().getResourceVersion()).isEqualTo(created.getMetadata().getResourceVersion());

    read.getMetadata().putLabelsItem("version", "2");
    V1Pod replaced = core.replaceNamespacedPod("p1", "official", read).execute();
    assertThat(replaced.getMetadata().getLabels()).containsEntry("version", "2");

    V1Pod patched = PatchUtils.patch(V1Pod.class, () -> core.patchNamespacedPod("p1", "official",
            new V1Patch("{\"metadata\":{\"annotations\":{\"note\":\"hi\"}}}")).buildCall(null),
        V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, client);
    assertThat(patched.getMetadata().getAnnotations()).containsEntry("note", "hi");
    assertThat(patched.getMetadata().getLabels()).containsEntry("version", "2");

    // A replace carrying the resourceVersion from before the patch is stale.
    assertThatThrownBy(() -> core.replaceNamespacedPod("p1", "official", replaced).execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    assertThat(core.listNamespacedPod("official").execute().getItems()).extracting(p -> p.getMetadata().getName())
        .containsExactly("p1");
    // An unbound pod has no kubelet to wait for: it goes at once.
    core.deleteNamespacedPod("p1", "official").execute();
    assertThatThrownBy(() -> core.readNamespacedPod("p1", "official").execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(404));

    core.deleteNamespace("official").execute();
    // Kubernetes keeps the namespace Terminating until its content is gone (or removes it outright when empty).
    try {
      assertThat(core.readNamespace("official").execute().getStatus().getPhase()).isEqualTo("Terminating");
    } catch (ApiException e) {
      assertThat(e.getCode()).isEqualTo(404);
    }
    assertThatThrownBy(() -> core.createNamespacedPod("official", pod("official", "p2")).execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isIn(403, 404));
  }

  @Test
  void watchSeesAddedModifiedDeleted() throws Exception {
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name("watched"))).execute();
    String rv = core.listNamespacedPod("watched").execute().getMetadata().getResourceVersion();
    // The watch is a long-lived response: no read timeout on this client.
    ApiClient watchClient = server.officialClient();
    watchClient.setHttpClient(watchClient.getHttpClient().newBuilder().readTimeout(0, TimeUnit.SECONDS).build());
    CoreV1Api watchApi = new CoreV1Api(watchClient);
    BlockingQueue<Watch.Response<V1Pod>> events = new LinkedBlockingQueue<>();
    Watch<V1Pod> watch = Watch.createWatch(watchClient,
        watchApi.listNamespacedPod("watched").watch(true).resourceVersion(rv).timeoutSeconds(60).buildCall(null),
        new TypeToken<Watch.Response<V1Pod>>() {}.getType());
    Thread reader = Thread.ofVirtual().start(() -> {
      try {
        for (Watch.Response<V1Pod> e : watch) events.add(e);
      } catch (RuntimeException e) {
        // The watch is closed by the test at the end: reading stops.
      }
    });
    try {
      core.createNamespacedPod("watched", pod("watched", "w1")).execute();
      // The generated client needs PatchUtils to send a patch Content-Type.
      PatchUtils.patch(V1Pod.class, () -> core.patchNamespacedPod("w1", "watched",
              new V1Patch("{\"metadata\":{\"labels\":{\"step\":\"two\"}}}")).buildCall(null),
          V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
      core.deleteNamespacedPod("w1", "watched").execute();

      List<String> seen = new ArrayList<>();
      List<Watch.Response<V1Pod>> all = new ArrayList<>();
      while (seen.size() < 3) {
        Watch.Response<V1Pod> e = events.poll(15, TimeUnit.SECONDS);
        assertThat(e).as("event %d after %s", seen.size() + 1, seen).isNotNull();
        if (e.type.equals("BOOKMARK")) continue;
        seen.add(e.type);
        all.add(e);
      }
      assertThat(seen).containsExactly("ADDED", "MODIFIED", "DELETED");
      assertThat(all).allSatisfy(e -> assertThat(e.object.getMetadata().getName()).isEqualTo("w1"));
      assertThat(all.get(1).object.getMetadata().getLabels()).containsEntry("step", "two");
      long added = Long.parseLong(all.get(0).object.getMetadata().getResourceVersion());
      long modified = Long.parseLong(all.get(1).object.getMetadata().getResourceVersion());
      assertThat(modified).isGreaterThan(added);
    } finally {
      watch.close();
      reader.join(10_000);
      watchClient.getHttpClient().dispatcher().executorService().shutdownNow();
      watchClient.getHttpClient().connectionPool().evictAll();
    }
  }
}
