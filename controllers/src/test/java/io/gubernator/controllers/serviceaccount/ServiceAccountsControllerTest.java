package io.gubernator.controllers.serviceaccount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.gubernator.controllers.ClusterTestBase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServiceAccountsControllerTest extends ClusterTestBase {

  @Test
  void everyNamespaceGetsADefaultServiceAccount() {
    String ns = namespace("sa-new");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(client.serviceAccounts().inNamespace(ns).withName("default").get()).isNotNull());
    assertThat(client.serviceAccounts().inNamespace("kube-system").withName("default").get())
        .as("namespaces from the first start too").isNotNull();
  }

  @Test
  void aDeletedDefaultServiceAccountComesBack() {
    String ns = namespace("sa-deleted");
    await().atMost(Duration.ofSeconds(20)).until(() -> client.serviceAccounts().inNamespace(ns).withName("default").get() != null);
    ServiceAccount first = client.serviceAccounts().inNamespace(ns).withName("default").get();
    client.serviceAccounts().inNamespace(ns).withName("default").delete();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      ServiceAccount again = client.serviceAccounts().inNamespace(ns).withName("default").get();
      assertThat(again).isNotNull();
      assertThat(again.getMetadata().getUid()).isNotEqualTo(first.getMetadata().getUid());
    });
  }
}
