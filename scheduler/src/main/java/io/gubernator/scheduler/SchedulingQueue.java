package io.gubernator.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.scheduler.framework.Plugin;
import io.gubernator.scheduler.framework.QueuedPodInfo;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.LongSupplier;

/**
 * Kubernetes' PriorityQueue with its three sub-queues: <b>active</b> (ordered by the QueueSort
 * plugin), <b>backoff</b> (pods that failed, waiting 1 s doubling per attempt up to 10 s) and
 * <b>unschedulable</b> (pods no node fits; they wait for a cluster event — a node added or changed,
 * a pod deleted — that could make them fit, with a 5-minute flush as a safety net). A failure
 * that raced with such an event (the event arrived while the pod was being scheduled) goes to
 * backoff instead of waiting for another event: the move-request cycle tracks that.
 */
public final class SchedulingQueue {

  static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  static final Duration UNSCHEDULABLE_MAX_STAY = Duration.ofMinutes(5);

  private final LongSupplier clock;
  private final PriorityQueue<QueuedPodInfo> active;
  private final PriorityQueue<QueuedPodInfo> backoff;
  private final Map<String, QueuedPodInfo> unschedulable = new HashMap<>();
  /** Every pod known to the queue (active, backoff, unschedulable or being scheduled), by uid. */
  private final Map<String, QueuedPodInfo> byUid = new HashMap<>();
  private final Map<String, QueuedPodInfo> inActiveOrBackoff = new HashMap<>();
  private long schedulingCycle;
  private long moveRequestCycle = -1;
  private boolean closed;

  public SchedulingQueue(Plugin.QueueSort sort, LongSupplier nanoClock) {
    this.clock = nanoClock;
    this.active = new PriorityQueue<>((a, b) -> sort.less(a, b) ? -1 : sort.less(b, a) ? 1 : 0);
    this.backoff = new PriorityQueue<>((a, b) -> Long.compare(backoffExpiry(a), backoffExpiry(b)));
  }

  /** A new pending pod (informer add). */
  public synchronized void add(Pod pod) {
    String uid = pod.getMetadata().getUid();
    if (byUid.containsKey(uid)) {
      update(pod);
      return;
    }
    QueuedPodInfo p = new QueuedPodInfo(pod, clock.getAsLong());
    byUid.put(uid, p);
    pushActive(p);
  }

  /**
   * The pending pod changed: keep the newest object; an unschedulable pod is retried at once
   * (its spec or labels may now fit), as upstream does for updates.
   */
  public synchronized void update(Pod pod) {
    QueuedPodInfo p = byUid.get(pod.getMetadata().getUid());
    if (p == null) {
      add(pod);
      return;
    }
    p.pod = pod;
    if (unschedulable.remove(pod.getMetadata().getUid()) != null) {
      if (isBackingOff(p)) pushBackoff(p);
      else pushActive(p);
    }
  }

  /** Keeps the newest object of a queued pod without retrying it (a status-only update). */
  public synchronized void refresh(Pod pod) {
    QueuedPodInfo p = byUid.get(pod.getMetadata().getUid());
    if (p == null) add(pod);
    else p.pod = pod;
  }

  /** The pod is gone or bound: drop it wherever it is. */
  public synchronized void delete(Pod pod) {
    String uid = pod.getMetadata().getUid();
    QueuedPodInfo p = byUid.remove(uid);
    if (p == null) return;
    unschedulable.remove(uid);
    if (inActiveOrBackoff.remove(uid) != null) {
      active.remove(p);
      backoff.remove(p);
    }
  }

  /** Blocks for the next pod to schedule; null once closed. */
  public synchronized QueuedPodInfo pop() throws InterruptedException {
    while (true) {
      if (closed) return null;
      flushBackoff();
      QueuedPodInfo p = active.poll();
      if (p != null) {
        inActiveOrBackoff.remove(p.pod.getMetadata().getUid());
        p.attempts++;
        p.popCycle = ++schedulingCycle;
        return p;
      }
      long waitMs = 1000;
      QueuedPodInfo next = backoff.peek();
      if (next != null) waitMs = Math.max(1, Math.min(waitMs, (backoffExpiry(next) - clock.getAsLong()) / 1_000_000 + 1));
      wait(waitMs);
    }
  }

  /**
   * The pod popped in {@code p.popCycle} did not fit. If a move request came in meanwhile, it may
   * fit now: back off and retry; otherwise wait in unschedulable for the next relevant event.
   */
  public synchronized void addUnschedulable(QueuedPodInfo p) {
    String uid = p.pod.getMetadata().getUid();
    if (!byUid.containsKey(uid)) return; // deleted while being scheduled
    p.timestampNanos = clock.getAsLong();
    if (moveRequestCycle >= p.popCycle) pushBackoff(p);
    else unschedulable.put(uid, p);
  }

  /** The attempt failed for a reason other than fit (an error, a rejected binding): retry after backoff. */
  public synchronized void addBackoff(QueuedPodInfo p) {
    if (!byUid.containsKey(p.pod.getMetadata().getUid())) return;
    p.timestampNanos = clock.getAsLong();
    pushBackoff(p);
  }

  /** The pod was bound (or handed to binding): the queue forgets it. */
  public synchronized void done(QueuedPodInfo p) {
    byUid.remove(p.pod.getMetadata().getUid());
  }

  /**
   * A cluster event that may make unschedulable pods fit: move them all to active (or backoff if
   * still backing off). Upstream filters by each plugin's registered events; we move on every
   * node add/update and pod delete, the events that can free room or add it.
   */
  public synchronized void moveAllToActiveOrBackoff(String event) {
    moveRequestCycle = schedulingCycle;
    moveIf(p -> true);
  }

  /**
   * A frequent event (a pod bound somewhere) that helps only pods some plugins rejected: moves just
   * those. It does not count as a move request for pods in flight, or under load every failure
   * would skip the unschedulable queue.
   */
  public synchronized void moveToActiveOrBackoffIf(String event, java.util.function.Predicate<QueuedPodInfo> which) {
    moveIf(which);
  }

  private void moveIf(java.util.function.Predicate<QueuedPodInfo> which) {
    if (unschedulable.isEmpty()) return;
    for (Iterator<QueuedPodInfo> it = unschedulable.values().iterator(); it.hasNext(); ) {
      QueuedPodInfo p = it.next();
      if (!which.test(p)) continue;
      it.remove();
      if (isBackingOff(p)) pushBackoff(p);
      else pushActive(p);
    }
  }

  /** Moves pods that waited in unschedulable longer than 5 minutes; called periodically. */
  public synchronized void flushUnschedulableLeftover() {
    long now = clock.getAsLong();
    for (Iterator<QueuedPodInfo> it = unschedulable.values().iterator(); it.hasNext(); ) {
      QueuedPodInfo p = it.next();
      if (now - p.timestampNanos >= UNSCHEDULABLE_MAX_STAY.toNanos()) {
        it.remove();
        if (isBackingOff(p)) pushBackoff(p);
        else pushActive(p);
      }
    }
  }

  public synchronized int[] sizes() {
    return new int[] {active.size(), backoff.size(), unschedulable.size()};
  }

  public synchronized void close() {
    closed = true;
    notifyAll();
  }

  private void flushBackoff() {
    long now = clock.getAsLong();
    while (!backoff.isEmpty() && backoffExpiry(backoff.peek()) <= now) {
      QueuedPodInfo p = backoff.poll();
      active.add(p);
    }
  }

  private void pushActive(QueuedPodInfo p) {
    inActiveOrBackoff.put(p.pod.getMetadata().getUid(), p);
    active.add(p);
    notifyAll();
  }

  private void pushBackoff(QueuedPodInfo p) {
    inActiveOrBackoff.put(p.pod.getMetadata().getUid(), p);
    backoff.add(p);
    notifyAll();
  }

  private boolean isBackingOff(QueuedPodInfo p) {
    return backoffExpiry(p) > clock.getAsLong();
  }

  /** When the pod's backoff ends: 1 s after its last failure, doubled per further attempt, at most 10 s. */
  long backoffExpiry(QueuedPodInfo p) {
    return p.timestampNanos + backoffDuration(p.attempts).toNanos();
  }

  static Duration backoffDuration(int attempts) {
    if (attempts <= 0) return Duration.ZERO;
    Duration d = INITIAL_BACKOFF;
    for (int i = 1; i < attempts && d.compareTo(MAX_BACKOFF) < 0; i++) d = d.multipliedBy(2);
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }
}
