package io.gubernator.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ControllerTest {

  @Test
  void failedSyncIsRetriedWithBackoffAndSuccessResetsIt() {
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    try (Controller c = new Controller("retry", 2, key -> {
      int n = calls.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      if (n < 4) throw new IllegalStateException("not yet: " + n);
    })) {
      c.start(List.of());
      c.enqueue("ns/a");
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(calls.get("ns/a")).hasValue(4));
      await().atMost(Duration.ofSeconds(2)).until(() -> c.queue().numRequeues("ns/a") == 0);
    }
  }

  @Test
  void closeStopsWorkersAndLaterKeysAreNotSynced() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Controller c = new Controller("stop", 3, key -> calls.incrementAndGet());
    c.start(List.of());
    await().atMost(Duration.ofSeconds(2)).until(c::isStarted);
    c.enqueue("a");
    await().atMost(Duration.ofSeconds(2)).until(() -> calls.get() == 1);
    c.close();
    c.enqueue("b");
    Thread.sleep(100);
    assertThat(calls).hasValue(1);
  }
}
