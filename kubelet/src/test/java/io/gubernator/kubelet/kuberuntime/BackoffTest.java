package io.gubernator.kubelet.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(300));
  private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void theFirstRetryIsImmediateThenTheDelayDoublesUpToTheMaximum() {
    assertThat(backoff.remaining("k", t0, t0)).isZero();
    backoff.next("k", t0);
    assertThat(backoff.remaining("k", t0, t0.plusSeconds(4))).isEqualTo(Duration.ofSeconds(6));
    assertThat(backoff.remaining("k", t0, t0.plusSeconds(10))).isZero();
    Instant t = t0;
    for (int i = 0; i < 10; i++) {
      t = t.plusSeconds(1);
      backoff.next("k", t);
    }
    assertThat(backoff.current("k")).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void aKeyQuietForTwiceTheMaximumStartsOver() {
    backoff.next("k", t0);
    backoff.next("k", t0.plusSeconds(1));
    assertThat(backoff.current("k")).isEqualTo(Duration.ofSeconds(20));
    Instant later = t0.plusSeconds(700);
    assertThat(backoff.remaining("k", later, later)).isZero();
    backoff.next("k", later);
    assertThat(backoff.current("k")).isEqualTo(Duration.ofSeconds(10));
  }
}
