package io.gubernator.controllers.leaderelection;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.gubernator.client.LeaderElection;
import io.gubernator.controllers.ClusterFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two candidates for one Lease on a real API server: one runs its component; the other takes over. */
class LeaderElectionTest {

  private static ClusterFixture cluster;
  private static final LeaderElection.Options FAST =
      new LeaderElection.Options(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500));

  @BeforeAll
  static void start() throws Exception {
    cluster = ClusterFixture.start(Files.createTempDirectory("gubernator-le"), false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) cluster.close();
  }

  @Test
  void oneCandidateLeadsAndTheOtherTakesOverWhenItStops() {
    AtomicInteger runningA = new AtomicInteger();
    AtomicInteger runningB = new AtomicInteger();
    LeaderElection a = LeaderElection.start(cluster.client(), "test-component", "a", FAST, () -> component(runningA));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
    LeaderElection b = LeaderElection.start(cluster.client(), "test-component", "b", FAST, () -> component(runningB));
    try {
      Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !b.isLeader());
      assertThat(runningA.get()).isEqualTo(1);
      assertThat(runningB.get()).isZero();
      assertThat(holder()).isEqualTo("a");

      a.close();
      assertThat(runningA.get()).isZero();
      // a released the lease on close: b need not wait for it to expire.
      Awaitility.await().atMost(Duration.ofSeconds(3)).until(b::isLeader);
      assertThat(runningB.get()).isEqualTo(1);
      assertThat(holder()).isEqualTo("b");
    } finally {
      a.close();
      b.close();
    }
    assertThat(runningB.get()).isZero();
  }

  private static String holder() {
    Lease lease = cluster.client().leases().inNamespace(LeaderElection.NAMESPACE).withName("test-component").get();
    return lease.getSpec().getHolderIdentity();
  }

  private static AutoCloseable component(AtomicInteger running) {
    running.incrementAndGet();
    return running::decrementAndGet;
  }
}
