package io.gubernator.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.gubernator.store.Store;
import io.gubernator.store.StoreContractTest;
import io.gubernator.store.StoreOptions;
import io.gubernator.store.Stores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract against a real etcd from Debian's etcd-server. Without /usr/bin/etcd these tests
 * fail rather than skip: CI must not report the etcd backend as passing when it never ran.
 */
class EtcdStoreTest extends StoreContractTest {
  private static LocalEtcd etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = LocalEtcd.start();
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Override
  protected Store openStore(StoreOptions options) {
    return Stores.open(etcd.url(), options);
  }

  @Test
  void severalEndpointsInTheUrlAreAccepted() {
    String hostPort = etcd.url().substring("etcd://".length());
    try (Store s = Stores.open("etcd://" + hostPort + "," + hostPort)) {
      assertThat(s.currentRevision()).isPositive();
    }
  }
}
