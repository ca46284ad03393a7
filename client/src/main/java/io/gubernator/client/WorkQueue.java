package io.gubernator.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * client-go's rate-limiting work queue. An item added many times before a worker takes it is
 * processed once; an item is never handed to two workers at once (added while being processed, it
 * is queued again when {@link #done} is called); {@link #addAfter} and {@link #addRateLimited}
 * delay an item, keeping the earliest time when it is delayed twice.
 *
 * <p>A lock and conditions rather than a monitor: workers and the delayer may be virtual threads,
 * which an {@code Object.wait} pins to their carrier on JDK 21.
 */
public final class WorkQueue<T> implements AutoCloseable {

  private record Waiting<T>(T item, long readyAt, long seq) {}

  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when an item becomes ready to take, or on shutdown. */
  private final Condition ready = lock.newCondition();
  /** Signalled when the earliest delayed item changes, or on shutdown. */
  private final Condition delaysChanged = lock.newCondition();
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private final Set<T> dirty = new HashSet<>();
  private final Set<T> processing = new HashSet<>();
  private final PriorityQueue<Waiting<T>> waiting = new PriorityQueue<>((a, b) -> a.readyAt != b.readyAt
      ? Long.compare(a.readyAt, b.readyAt) : Long.compare(a.seq, b.seq));
  private final Map<T, Waiting<T>> waitingByItem = new HashMap<>();
  private final RateLimiter<T> rateLimiter;
  private final Thread delayer;
  private long seq;
  private boolean shuttingDown;

  public WorkQueue(String name, RateLimiter<T> rateLimiter) {
    this.rateLimiter = rateLimiter;
    this.delayer = Thread.ofVirtual().name(name + "-delay").start(this::runDelayer);
  }

  public static <T> WorkQueue<T> withDefaultRateLimiter(String name) {
    return new WorkQueue<>(name, RateLimiter.defaultControllerRateLimiter());
  }

  /** Queues the item unless it is queued already; if it is being processed it is queued again after {@link #done}. */
  public void add(T item) {
    lock.lock();
    try {
      addLocked(item);
    } finally {
      lock.unlock();
    }
  }

  private void addLocked(T item) {
    if (shuttingDown || !dirty.add(item)) return;
    if (processing.contains(item)) return;
    queue.addLast(item);
    ready.signal();
  }

  /** Queues the item after {@code delay}; an earlier pending time for the same item wins. */
  public void addAfter(T item, Duration delay) {
    lock.lock();
    try {
      if (shuttingDown) return;
      if (delay.isZero() || delay.isNegative()) {
        addLocked(item);
        return;
      }
      long readyAt = System.nanoTime() + delay.toNanos();
      Waiting<T> existing = waitingByItem.get(item);
      if (existing != null) {
        if (existing.readyAt - readyAt <= 0) return;
        waiting.remove(existing);
      }
      Waiting<T> w = new Waiting<>(item, readyAt, seq++);
      waiting.add(w);
      waitingByItem.put(item, w);
      if (waiting.peek() == w) delaysChanged.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Queues the item after the rate limiter's delay for it: call after a failed sync. */
  public void addRateLimited(T item) {
    addAfter(item, rateLimiter.when(item));
  }

  /** Resets the item's backoff: call after a successful sync. */
  public void forget(T item) {
    rateLimiter.forget(item);
  }

  public int numRequeues(T item) {
    return rateLimiter.numRequeues(item);
  }

  /**
   * Blocks until an item is available and marks it as being processed; returns {@code null} once
   * the queue is shut down (queued items are dropped then: a sync is idempotent, the next run redoes it).
   */
  public T get() throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty() && !shuttingDown) ready.await();
      if (shuttingDown) return null;
      return takeLocked();
    } finally {
      lock.unlock();
    }
  }

  /** As {@link #get()}, giving up after {@code timeout} with {@code null}. */
  public T poll(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (queue.isEmpty() && !shuttingDown) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return null;
        ready.awaitNanos(left);
      }
      if (shuttingDown) return null;
      return takeLocked();
    } finally {
      lock.unlock();
    }
  }

  private T takeLocked() {
    T item = queue.pollFirst();
    processing.add(item);
    dirty.remove(item);
    return item;
  }

  /** Ends the processing of {@code item}; if it was added meanwhile it is queued again now. */
  public void done(T item) {
    lock.lock();
    try {
      processing.remove(item);
      if (dirty.contains(item) && !shuttingDown) {
        queue.addLast(item);
        ready.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Items ready to be taken (not those being processed or waiting for their delay). */
  public int length() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  public boolean isShuttingDown() {
    lock.lock();
    try {
      return shuttingDown;
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every {@link #get()} with {@code null}; later adds are ignored. */
  public void shutDown() {
    lock.lock();
    try {
      shuttingDown = true;
      ready.signalAll();
      delaysChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    shutDown();
    try {
      delayer.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void runDelayer() {
    lock.lock();
    try {
      while (!shuttingDown) {
        long now = System.nanoTime();
        Waiting<T> head = waiting.peek();
        while (head != null && head.readyAt - now <= 0) {
          waiting.poll();
          waitingByItem.remove(head.item);
          addLocked(head.item);
          head = waiting.peek();
        }
        try {
          if (head == null) delaysChanged.await();
          else delaysChanged.awaitNanos(head.readyAt - now);
        } catch (InterruptedException e) {
          return;
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
