package io.gubernator.apiserver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The fabric8 client, as our own controllers use it, against an in-process API server. */
class Fabric8ClientTest {

  @RegisterExtension
  static final ApiServerFixture server = ApiServerFixture.perClass();
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    client = server.fabric8();
  }

  private static void namespace(KubernetesClient c, String name) {
    c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
  }

  private static ConfigMap configMap(String ns, String name, Map<String, String> labels, Map<String, String> data) {
    return new ConfigMapBuilder().withNewMetadata().withNamespace(ns).withName(name).withLabels(labels).endMetadata()
        .withData(data).build();
  }

  private static List<String> names(List<? extends HasMetadata> items) {
    return items.stream().map(o -> o.getMetadata().getName()).sorted().toList();
  }

  @Test
  void configMapCrud() {
    namespace(client, "cm-crud");
    ConfigMap created = client.configMaps().inNamespace("cm-crud")
        .resource(configMap("cm-crud", "settings", Map.of("app", "web"), Map.of("k", "v1"))).create();
    assertThat(created.getMetadata().getUid()).isNotBlank();
    assertThat(created.getMetadata().getResourceVersion()).isNotBlank();
    assertThat(created.getMetadata().getCreationTimestamp()).isNotBlank();

    ConfigMap got = client.configMaps().inNamespace("cm-crud").withName("settings").get();
    assertThat(got.getData()).containsExactlyEntriesOf(Map.of("k", "v1"));
    assertThat(got.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());

    assertThatThrownBy(() -> client.configMaps().inNamespace("cm-crud")
        .resource(configMap("cm-crud", "settings", Map.of(), Map.of())).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    got.getData().put("k", "v2");
    ConfigMap updated = client.configMaps().inNamespace("cm-crud").resource(got).update();
    assertThat(updated.getData()).containsEntry("k", "v2");
    assertThat(Long.parseLong(updated.getMetadata().getResourceVersion()))
        .isGreaterThan(Long.parseLong(created.getMetadata().getResourceVersion()));

    ConfigMap edited = client.configMaps().inNamespace("cm-crud").withName("settings")
        .edit(cm -> new ConfigMapBuilder(cm).addToData("other", "x").build());
    assertThat(edited.getData()).containsExactlyInAnyOrderEntriesOf(Map.of("k", "v2", "other", "x"));

    assertThat(client.configMaps().inNamespace("cm-crud").list().getItems()).extracting(c -> c.getMetadata().getName())
        .containsExactly("settings");
    assertThat(client.configMaps().inNamespace("cm-crud").withName("settings").delete()).hasSize(1);
    assertThat(client.configMaps().inNamespace("cm-crud").withName("settings").get()).isNull();
    assertThat(client.configMaps().inNamespace("cm-crud").list().getItems()).isEmpty();
  }

  @Test
  void configMapInMissingNamespaceIsNotFound() {
    assertThatThrownBy(() -> client.configMaps().inNamespace("no-such-ns")
        .resource(configMap("no-such-ns", "x", Map.of(), Map.of())).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
  }

  @Test
  void deploymentCrudBumpsGenerationOnlyOnSpecChange() {
    namespace(client, "deploy-crud");
    Deployment d = new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("deploy-crud").endMetadata()
        .withNewSpec().withReplicas(2)
        .withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("nginx").withImage("nginx:1.27").endContainer().endSpec()
        .endTemplate().endSpec().build();
    Deployment created = client.apps().deployments().inNamespace("deploy-crud").resource(d).create();
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
    // Kubernetes' defaults for a Deployment.
    assertThat(created.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(created.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
    assertThat(created.getSpec().getTemplate().getSpec().getContainers().get(0).getImagePullPolicy()).isEqualTo("IfNotPresent");

    Deployment labelled = client.apps().deployments().inNamespace("deploy-crud").withName("web")
        .edit(x -> new DeploymentBuilder(x).editMetadata().addToLabels("tier", "front").endMetadata().build());
    assertThat(labelled.getMetadata().getGeneration()).as("metadata-only change").isEqualTo(1L);

    Deployment scaled = client.apps().deployments().inNamespace("deploy-crud").withName("web")
        .edit(x -> new DeploymentBuilder(x).editSpec().withReplicas(5).endSpec().build());
    assertThat(scaled.getSpec().getReplicas()).isEqualTo(5);
    assertThat(scaled.getMetadata().getGeneration()).isEqualTo(2L);

    assertThat(client.apps().deployments().inNamespace("deploy-crud").withName("web").scale().getSpec().getReplicas())
        .isEqualTo(5);

    assertThat(client.apps().deployments().inNamespace("deploy-crud").withName("web").delete()).hasSize(1);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> client.apps().deployments().inNamespace("deploy-crud").withName("web").get() == null);
  }

  @Test
  void invalidDeploymentIsUnprocessable() {
    namespace(client, "deploy-invalid");
    Deployment d = new DeploymentBuilder().withNewMetadata().withName("Bad_Name").withNamespace("deploy-invalid").endMetadata()
        .withNewSpec().withNewSelector().addToMatchLabels("app", "x").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "y").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .endTemplate().endSpec().build();
    assertThatThrownBy(() -> client.apps().deployments().inNamespace("deploy-invalid").resource(d).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
          assertThat(e.getStatus().getDetails().getCauses()).extracting(c -> c.getField())
              .contains("metadata.name", "spec.template.metadata.labels");
        });
  }

  @Test
  void labelSelectors() {
    namespace(client, "labels");
    var cms = client.configMaps().inNamespace("labels");
    cms.resource(configMap("labels", "a", Map.of("app", "web", "tier", "front"), Map.of())).create();
    cms.resource(configMap("labels", "b", Map.of("app", "web", "tier", "back"), Map.of())).create();
    cms.resource(configMap("labels", "c", Map.of("app", "db"), Map.of())).create();
    cms.resource(configMap("labels", "d", Map.of(), Map.of())).create();

    assertThat(names(cms.withLabel("app", "web").list().getItems())).containsExactly("a", "b");
    assertThat(names(cms.withLabel("app").list().getItems())).containsExactly("a", "b", "c");
    assertThat(names(cms.withoutLabel("app").list().getItems())).containsExactly("d");
    assertThat(names(cms.withoutLabel("app", "web").list().getItems())).containsExactly("c", "d");
    assertThat(names(cms.withLabelIn("tier", "front", "middle").list().getItems())).containsExactly("a");
    assertThat(names(cms.withLabelNotIn("tier", "front").list().getItems())).containsExactly("b", "c", "d");
    assertThat(names(cms.withLabels(Map.of("app", "web", "tier", "back")).list().getItems())).containsExactly("b");
    assertThat(names(cms.withLabelSelector("app in (web,db),!tier").list().getItems())).containsExactly("c");
    assertThat(names(cms.withField("metadata.name", "c").list().getItems())).containsExactly("c");
    assertThat(names(cms.withoutField("metadata.name", "c").list().getItems())).containsExactly("a", "b", "d");
    // Paging keeps the label filter. As in Kubernetes, a page may carry a continue token while the
    // store has more keys, even when none of them match, so follow tokens to the end.
    List<String> paged = new java.util.ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      var page = cms.withLabel("app", "web").list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
          .withLimit(1L).withContinue(token).build());
      assertThat(page.getItems()).hasSizeLessThanOrEqualTo(1);
      paged.addAll(names(page.getItems()));
      token = page.getMetadata().getContinue();
      assertThat(++pages).as("pages").isLessThanOrEqualTo(4);
    } while (token != null && !token.isEmpty());
    assertThat(paged).containsExactly("a", "b");

    assertThatThrownBy(() -> cms.withLabelSelector("app in (web").list())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(400));
    assertThatThrownBy(() -> cms.withField("data.k", "x").list())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(400));
  }

  @Test
  void staleUpdateIsConflict() {
    namespace(client, "conflict");
    var cms = client.configMaps().inNamespace("conflict");
    ConfigMap original = cms.resource(configMap("conflict", "c", Map.of(), Map.of("n", "0"))).create();
    ConfigMap first = new ConfigMapBuilder(original).addToData("n", "1").build();
    ConfigMap second = new ConfigMapBuilder(original).addToData("n", "2").build();
    cms.resource(first).update();
    assertThatThrownBy(() -> cms.resource(second).update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
        });
    // A stale resourceVersion in a delete precondition is a conflict as well, and deletes nothing.
    assertThatThrownBy(() -> cms.withName("c").lockResourceVersion(original.getMetadata().getResourceVersion()).delete())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(cms.withName("c").get().getData()).containsEntry("n", "1");
  }

  @Test
  void watchFromAResourceVersionOutsideTheCacheWindowIsGone(@TempDir Path own) throws Exception {
    try (ApiServerFixture s = ApiServerFixture.start(own)) {
      KubernetesClient c = s.fabric8();
      namespace(c, "churn");
      String old = c.configMaps().inNamespace("churn").list().getMetadata().getResourceVersion();
      // The watch cache keeps the last 10,000 events of a resource: push "old" out of the window.
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
      try {
        List<java.util.concurrent.Future<?>> writes = new java.util.ArrayList<>();
        for (int i = 0; i < 10_050; i++) {
          String n = "cm-" + i;
          writes.add(pool.submit(() -> c.configMaps().inNamespace("churn").resource(configMap("churn", n, Map.of(), Map.of())).create()));
        }
        for (var f : writes) f.get(2, java.util.concurrent.TimeUnit.MINUTES);
      } finally {
        pool.shutdownNow();
      }
      java.util.concurrent.CompletableFuture<io.fabric8.kubernetes.client.WatcherException> closed = new java.util.concurrent.CompletableFuture<>();
      // Kubernetes may refuse the watch outright (HTTP 410, which fabric8 throws) or accept it and
      // end it with an ERROR event carrying 410 (which fabric8 passes to onClose): either is Gone.
      io.fabric8.kubernetes.client.Watch watch = null;
      try {
        watch = c.configMaps().inNamespace("churn").withResourceVersion(old).watch(new io.fabric8.kubernetes.client.Watcher<ConfigMap>() {
          @Override
          public void eventReceived(Action action, ConfigMap resource) {
            closed.completeExceptionally(new AssertionError("event from an expired resourceVersion: " + action));
          }

          @Override
          public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
            closed.complete(cause);
          }
        });
        io.fabric8.kubernetes.client.WatcherException cause = closed.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(cause).isNotNull();
        assertThat(cause.isHttpGone()).as("410 Gone: %s", cause.getMessage()).isTrue();
      } catch (KubernetesClientException e) {
        assertThat(e.getCode()).as(e.getMessage()).isEqualTo(410);
      } finally {
        if (watch != null) watch.close();
      }
      // An informer lists first, so it starts fine and sees all of them.
      SharedIndexInformer<ConfigMap> informer = c.configMaps().inNamespace("churn").inform(new Recorder(), 0);
      try {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(informer.getStore().list()).hasSize(10_050));
      } finally {
        informer.close();
      }
    }
  }

  /** Records what an informer's handler is told, so a test can check the handler and the cache agree. */
  static final class Recorder implements ResourceEventHandler<ConfigMap> {
    final AtomicInteger adds = new AtomicInteger();
    final AtomicInteger deletes = new AtomicInteger();
    final java.util.Set<String> live = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void onAdd(ConfigMap obj) {
      adds.incrementAndGet();
      live.add(obj.getMetadata().getName());
    }

    @Override
    public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
      live.add(newObj.getMetadata().getName());
    }

    @Override
    public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
      deletes.incrementAndGet();
      live.remove(obj.getMetadata().getName());
    }
  }

  private static List<String> cached(SharedIndexInformer<ConfigMap> informer) {
    return informer.getStore().list().stream().map(c -> c.getMetadata().getName()).sorted().toList();
  }

  @Test
  void informerStaysCorrectAcrossRestarts(@TempDir Path own) throws Exception {
    try (ApiServerFixture s = ApiServerFixture.start(own)) {
      KubernetesClient c = s.fabric8();
      namespace(c, "watched");
      namespace(c, "other");
      c.configMaps().inNamespace("watched").resource(configMap("watched", "before", Map.of(), Map.of())).create();
      Recorder recorder = new Recorder();
      SharedIndexInformer<ConfigMap> informer = c.configMaps().inNamespace("watched").inform(recorder, 0);
      try {
        await().atMost(Duration.ofSeconds(10)).until(informer::hasSynced);
        assertThat(cached(informer)).containsExactly("before");

        // 1. Restart with no change in between: the watch resumes from its resourceVersion.
        s.restart();
        c.configMaps().inNamespace("watched").resource(configMap("watched", "after-restart", Map.of(), Map.of())).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(cached(informer)).containsExactly("after-restart", "before"));

        // 2. A write the informer does not watch moves the revision past its resourceVersion; after
        // a restart the cache's history starts there, so resuming gets 410 Gone. The object deleted
        // behind the server's back can only disappear from the cache if the informer re-lists.
        c.configMaps().inNamespace("other").resource(configMap("other", "unwatched", Map.of(), Map.of())).create();
        s.stopServer();
        s.withStoppedStore(store -> store.delete("/registry/core/configmaps/watched/before", 0));
        s.startAgain();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          assertThat(cached(informer)).containsExactly("after-restart");
          assertThat(recorder.live).containsExactlyInAnyOrder("after-restart");
        });
        c.configMaps().inNamespace("watched").resource(configMap("watched", "after-gone", Map.of(), Map.of())).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(cached(informer)).containsExactly("after-gone", "after-restart"));
        assertThat(recorder.deletes).hasValue(1);
        assertThat(recorder.live).containsExactlyInAnyOrder("after-gone", "after-restart");
      } finally {
        informer.close();
      }
    }
  }
}
