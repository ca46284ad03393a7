package io.gubernator.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.gubernator.scheduler.framework.QueuedPodInfo;
import io.gubernator.scheduler.framework.plugins.queuesort.PrioritySort;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SchedulingQueueTest {

  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final SchedulingQueue q = new SchedulingQueue(new PrioritySort(), now::get);

  static Pod pod(String name, int priority) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").withUid(name).endMetadata()
        .withNewSpec().withPriority(priority).endSpec().build();
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void activeOrdersByPriorityThenArrival() throws Exception {
    q.add(pod("low", 0));
    advance(Duration.ofMillis(1));
    q.add(pod("high", 10));
    advance(Duration.ofMillis(1));
    q.add(pod("low2", 0));
    assertEquals("high", q.pop().pod.getMetadata().getName());
    assertEquals("low", q.pop().pod.getMetadata().getName());
    assertEquals("low2", q.pop().pod.getMetadata().getName());
  }

  @Test
  void backoffDoublesFromOneToTenSeconds() {
    assertEquals(Duration.ofSeconds(1), SchedulingQueue.backoffDuration(1));
    assertEquals(Duration.ofSeconds(2), SchedulingQueue.backoffDuration(2));
    assertEquals(Duration.ofSeconds(8), SchedulingQueue.backoffDuration(4));
    assertEquals(Duration.ofSeconds(10), SchedulingQueue.backoffDuration(5));
    assertEquals(Duration.ofSeconds(10), SchedulingQueue.backoffDuration(30));
  }

  @Test
  void unschedulablePodWaitsForAnEventThenBacksOff() throws Exception {
    q.add(pod("p", 0));
    QueuedPodInfo p = q.pop();
    q.addUnschedulable(p);
    assertArrayEquals(new int[] {0, 0, 1}, q.sizes());
    // An event within the backoff window moves it to backoff, not straight to active.
    q.moveAllToActiveOrBackoff("NodeAdd");
    assertArrayEquals(new int[] {0, 1, 0}, q.sizes());
    advance(Duration.ofMillis(1001));
    assertEquals("p", q.pop().pod.getMetadata().getName());
  }

  @Test
  void eventAfterBackoffMovesToActive() throws Exception {
    q.add(pod("p", 0));
    q.addUnschedulable(q.pop());
    advance(Duration.ofSeconds(2));
    q.moveAllToActiveOrBackoff("NodeAdd");
    assertArrayEquals(new int[] {1, 0, 0}, q.sizes());
  }

  @Test
  void eventDuringTheCycleSendsTheFailedPodToBackoff() throws Exception {
    q.add(pod("p", 0));
    QueuedPodInfo p = q.pop();
    q.moveAllToActiveOrBackoff("NodeAdd"); // arrives while p is being scheduled
    q.addUnschedulable(p);
    assertArrayEquals(new int[] {0, 1, 0}, q.sizes());
  }

  @Test
  void leftoverFlushAfterFiveMinutes() {
    q.add(pod("p", 0));
    try {
      q.addUnschedulable(q.pop());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    advance(Duration.ofMinutes(4));
    q.flushUnschedulableLeftover();
    assertArrayEquals(new int[] {0, 0, 1}, q.sizes());
    advance(Duration.ofMinutes(1));
    q.flushUnschedulableLeftover();
    assertArrayEquals(new int[] {1, 0, 0}, q.sizes());
  }

  @Test
  void deletedPodLeavesEveryQueue() {
    q.add(pod("p", 0));
    q.delete(pod("p", 0));
    assertArrayEquals(new int[] {0, 0, 0}, q.sizes());
  }

  @Test
  void refreshKeepsAnUnschedulablePodWaitingButUpdateRetriesIt() throws Exception {
    q.add(pod("p", 0));
    q.addUnschedulable(q.pop());
    q.refresh(pod("p", 0));
    assertArrayEquals(new int[] {0, 0, 1}, q.sizes());
    advance(Duration.ofSeconds(2));
    q.update(pod("p", 5));
    assertArrayEquals(new int[] {1, 0, 0}, q.sizes());
    assertEquals(5, q.pop().priority());
  }

  @Test
  void podAddMovesOnlyPodsItCanHelp() throws Exception {
    q.add(pod("spread", 0));
    q.add(pod("cpu", 0));
    QueuedPodInfo a = q.pop();
    QueuedPodInfo b = q.pop();
    a.unschedulablePlugins = java.util.Set.of("PodTopologySpread");
    b.unschedulablePlugins = java.util.Set.of("NodeResourcesFit");
    q.addUnschedulable(a);
    q.addUnschedulable(b);
    advance(Duration.ofSeconds(2));
    q.moveToActiveOrBackoffIf("AssignedPodAdd", p -> p.unschedulablePlugins.contains("PodTopologySpread"));
    assertArrayEquals(new int[] {1, 0, 1}, q.sizes());
    assertEquals("spread", q.pop().pod.getMetadata().getName());
  }
}
