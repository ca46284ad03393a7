package io.gubernator.client;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker half of a Kubernetes controller: informer handlers put keys on {@link #queue()};
 * once every informer has synced, {@code workers} threads take keys and call the reconciler's
 * idempotent {@code sync}. A failed sync is retried with the queue's backoff, a successful one
 * resets it. The informers themselves are started and stopped by whoever shares them.
 *
 * <p>Workers are virtual threads, as Kubernetes' are goroutines: a sync mostly waits on the API
 * server or the runtime, so the worker count is the concurrency, and a platform thread per worker
 * (some fifty in a server) would hold stacks and memory while idle.
 */
public final class Controller implements AutoCloseable {

  /** Compares desired and actual state for one key and acts on the difference; safe to repeat. */
  @FunctionalInterface
  public interface Reconciler {
    void sync(String key) throws Exception;
  }

  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

  private final String name;
  private final int workers;
  private final Reconciler reconciler;
  private final WorkQueue<String> queue;
  private final List<Thread> threads = new ArrayList<>();
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile boolean stopping;

  public Controller(String name, int workers, Reconciler reconciler) {
    this(name, workers, reconciler, WorkQueue.withDefaultRateLimiter(name));
  }

  public Controller(String name, int workers, Reconciler reconciler, WorkQueue<String> queue) {
    if (workers < 1) throw new IllegalArgumentException("workers must be at least 1");
    this.name = name;
    this.workers = workers;
    this.reconciler = reconciler;
    this.queue = queue;
  }

  public String name() {
    return name;
  }

  public WorkQueue<String> queue() {
    return queue;
  }

  public void enqueue(String key) {
    queue.add(key);
  }

  public void enqueueAfter(String key, Duration delay) {
    queue.addAfter(key, delay);
  }

  /**
   * Starts the workers once all {@code informers} have synced, without blocking the caller: a
   * worker must never act on a half-filled cache (it would create what it merely has not seen yet).
   */
  public synchronized void start(List<? extends SharedIndexInformer<?>> informers) {
    if (!threads.isEmpty()) throw new IllegalStateException(name + " already started");
    Thread waiter = Thread.ofVirtual().name(name + "-start").unstarted(() -> {
      try {
        while (!stopping && !informers.stream().allMatch(SharedIndexInformer::hasSynced)) Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
      if (stopping) return;
      LOG.info("controller started: controller={} workers={}", name, workers);
      synchronized (this) {
        for (int i = 0; i < workers; i++) {
          threads.add(Thread.ofVirtual().name(name + "-worker-" + i).start(this::work));
        }
      }
      started.countDown();
    });
    threads.add(waiter);
    waiter.start();
  }

  /** Whether the workers run (all informers synced). */
  public boolean isStarted() {
    return started.getCount() == 0;
  }

  private void work() {
    while (true) {
      String key;
      try {
        key = queue.get();
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) return;
      long begin = System.nanoTime();
      try {
        reconciler.sync(key);
        queue.forget(key);
      } catch (Exception | AssertionError e) {
        if (stopping) return;
        int requeues = queue.numRequeues(key);
        // Conflicts and not-yet-visible objects are routine: they resolve on the next sync.
        if (requeues < 3) LOG.info("sync failed, will retry: controller={} key={} requeues={} error={}", name, key, requeues, e.toString());
        else LOG.warn("sync failed, will retry: controller={} key={} requeues={}", name, key, requeues, e);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
        if (LOG.isDebugEnabled()) {
          LOG.debug("synced: controller={} key={} ms={}", name, key, (System.nanoTime() - begin) / 1_000_000);
        }
      }
    }
  }

  /** Shuts the queue down and waits for the workers to finish their current key. */
  @Override
  public void close() {
    stopping = true;
    queue.close();
    List<Thread> all;
    synchronized (this) {
      all = List.copyOf(threads);
    }
    for (Thread t : all) {
      t.interrupt();
    }
    for (Thread t : all) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    LOG.info("controller stopped: controller={}", name);
  }
}
