package io.gubernator.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WorkQueueTest {

  private static final Duration SHORT = Duration.ofMillis(200);

  private static WorkQueue<String> queue() {
    return new WorkQueue<>("test", RateLimiter.exponentialFailure(Duration.ofMillis(5), Duration.ofSeconds(1000)));
  }

  @Test
  void itemAddedTwiceBeforeItIsTakenIsProcessedOnce() throws Exception {
    try (WorkQueue<String> q = queue()) {
      q.add("a");
      q.add("b");
      q.add("a");
      assertThat(q.length()).isEqualTo(2);
      assertThat(q.get()).isEqualTo("a");
      assertThat(q.get()).isEqualTo("b");
      assertThat(q.poll(SHORT)).isNull();
    }
  }

  @Test
  void itemAddedWhileProcessingIsHandedOutAgainOnlyAfterDone() throws Exception {
    try (WorkQueue<String> q = queue()) {
      q.add("a");
      String taken = q.get();
      q.add("a");
      assertThat(q.poll(SHORT)).as("a second worker must not get an item being processed").isNull();
      q.done(taken);
      assertThat(q.poll(SHORT)).isEqualTo("a");
    }
  }

  @Test
  void doneWithoutReAddDoesNotRequeue() throws Exception {
    try (WorkQueue<String> q = queue()) {
      q.add("a");
      q.done(q.get());
      assertThat(q.poll(SHORT)).isNull();
    }
  }

  @Test
  void concurrentWorkersNeverProcessOneKeyAtOnce() throws Exception {
    try (WorkQueue<String> q = queue()) {
      Set<String> inFlight = ConcurrentHashMap.newKeySet();
      AtomicInteger overlaps = new AtomicInteger();
      AtomicInteger processed = new AtomicInteger();
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        workers.add(Thread.ofPlatform().start(() -> {
          try {
            for (String k; (k = q.get()) != null; ) {
              if (!inFlight.add(k)) overlaps.incrementAndGet();
              Thread.sleep(1);
              inFlight.remove(k);
              processed.incrementAndGet();
              q.done(k);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
      }
      for (int i = 0; i < 2000; i++) q.add("k" + (i % 3));
      Thread.sleep(300);
      q.shutDown();
      for (Thread t : workers) t.join(5000);
      assertThat(overlaps).hasValue(0);
      assertThat(processed.get()).isBetween(3, 2000);
    }
  }

  @Test
  void addAfterDelaysTheItemAndKeepsTheEarlierTime() throws Exception {
    try (WorkQueue<String> q = queue()) {
      long start = System.nanoTime();
      q.addAfter("late", Duration.ofSeconds(30));
      q.addAfter("late", Duration.ofMillis(100));
      q.addAfter("late", Duration.ofSeconds(60));
      assertThat(q.length()).isZero();
      assertThat(q.poll(Duration.ofSeconds(5))).isEqualTo("late");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(95), Duration.ofSeconds(5));
      assertThat(q.poll(SHORT)).as("the delayed adds collapse into one").isNull();
    }
  }

  @Test
  void delayedItemAlreadyQueuedIsNotDuplicated() throws Exception {
    try (WorkQueue<String> q = queue()) {
      q.add("a");
      q.addAfter("a", Duration.ofMillis(20));
      Thread.sleep(100);
      assertThat(q.length()).isEqualTo(1);
    }
  }

  @Test
  void failuresBackOffExponentiallyUntilForgotten() throws Exception {
    try (WorkQueue<String> q = queue()) {
      q.addRateLimited("a");
      q.addRateLimited("a");
      q.addRateLimited("a");
      assertThat(q.numRequeues("a")).isEqualTo(3);
      q.forget("a");
      assertThat(q.numRequeues("a")).isZero();
      assertThat(q.poll(Duration.ofSeconds(2))).isEqualTo("a");
    }
  }

  @Test
  void shutDownWakesWaitingWorkersAndIgnoresLaterAdds() throws Exception {
    WorkQueue<String> q = queue();
    CountDownLatch returned = new CountDownLatch(1);
    List<String> got = Collections.synchronizedList(new ArrayList<>());
    Thread worker = Thread.ofPlatform().start(() -> {
      try {
        got.add(String.valueOf(q.get()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      returned.countDown();
    });
    Thread.sleep(50);
    q.close();
    assertThat(returned.await(2, TimeUnit.SECONDS)).isTrue();
    assertThat(got).containsExactly("null");
    q.add("x");
    assertThat(q.length()).isZero();
    worker.join();
  }

  static Stream<Arguments> backoffSteps() {
    return Stream.of(
        Arguments.of("first failure waits the base", 1, Duration.ofMillis(5)),
        Arguments.of("second failure doubles", 2, Duration.ofMillis(10)),
        Arguments.of("tenth failure", 10, Duration.ofNanos(5_000_000L * 512)),
        Arguments.of("nineteenth failure reaches the 1000 s cap", 19, Duration.ofSeconds(1000)),
        Arguments.of("many failures stay at the cap without overflow", 500, Duration.ofSeconds(1000)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("backoffSteps")
  void exponentialFailureBackoff(String name, int failures, Duration expected) {
    RateLimiter<String> limiter = RateLimiter.exponentialFailure(Duration.ofMillis(5), Duration.ofSeconds(1000));
    Duration last = null;
    for (int i = 0; i < failures; i++) last = limiter.when("item");
    assertThat(last).isEqualTo(expected);
    assertThat(limiter.when("other")).as("backoff is per item").isEqualTo(Duration.ofMillis(5));
  }

  @Test
  void bucketAllowsTheBurstThenPacesAtQps() {
    AtomicLong now = new AtomicLong();
    RateLimiter<String> bucket = RateLimiter.bucket(10, 100, now::get);
    for (int i = 0; i < 100; i++) assertThat(bucket.when("k" + i)).isZero();
    assertThat(bucket.when("x")).isEqualTo(Duration.ofMillis(100));
    assertThat(bucket.when("y")).isEqualTo(Duration.ofMillis(200));
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(bucket.when("z")).as("tokens refill with time").isZero();
  }

  @Test
  void defaultControllerLimiterTakesTheSlowerOfBackoffAndBucket() {
    RateLimiter<String> limiter = RateLimiter.defaultControllerRateLimiter();
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
    limiter.forget("a");
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
  }
}
