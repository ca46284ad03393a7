package io.gubernator.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery side of a watch, shared by the backends: producers offer events without ever
 * blocking, and one virtual thread per watch hands them to the listener in order. A watch whose
 * backlog exceeds the capacity is cut off with {@link StoreException.Compacted} so that a slow
 * consumer can neither stall writers nor hold memory without bound.
 */
public final class WatchQueue implements Store.Watch {
  private static final Logger log = LoggerFactory.getLogger(WatchQueue.class);
  private static final int MAX_BATCH = 1000;

  /** Produces events older than the live stream, chunk by chunk, before live delivery starts. */
  public interface CatchUp {
    void run(Consumer<List<Store.Event>> sink);
  }

  private final String prefix;
  private final int capacity;
  private final Store.WatchListener listener;
  private final Runnable onClose;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition ready = lock.newCondition();
  private final ArrayDeque<Store.Event> pending = new ArrayDeque<>();
  private StoreException error;
  private boolean closed;

  private WatchQueue(String prefix, int capacity, Store.WatchListener listener, Runnable onClose) {
    this.prefix = prefix;
    this.capacity = capacity;
    this.listener = listener;
    this.onClose = onClose;
  }

  /**
   * Starts delivery: first whatever {@code catchUp} produces (it may throw a {@link
   * StoreException} to end the watch), then the events offered live.
   */
  public static WatchQueue start(String prefix, int capacity, Store.WatchListener listener, CatchUp catchUp, Runnable onClose) {
    WatchQueue queue = new WatchQueue(prefix, capacity, listener, onClose);
    Thread.ofVirtual().name("watch-" + prefix).start(() -> queue.deliver(catchUp));
    return queue;
  }

  public String prefix() {
    return prefix;
  }

  /**
   * Queues {@code events} for delivery; never blocks. Returns false when the watch is over (closed,
   * failed, or cut off now because the backlog would exceed the capacity).
   */
  public boolean offer(List<Store.Event> events) {
    lock.lock();
    try {
      if (closed || error != null) {
        return false;
      }
      if (pending.size() + events.size() > capacity) {
        pending.clear();
        error = new StoreException.Compacted(
            "watch on " + prefix + " fell more than " + capacity + " events behind (too slow); re-list and watch again", 0);
        log.warn("watch cut off as too slow prefix={} capacity={}", prefix, capacity);
        ready.signal();
        return false;
      }
      pending.addAll(events);
      ready.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Ends the watch with {@code cause} after nothing else: queued events are dropped. */
  public void fail(StoreException cause) {
    lock.lock();
    try {
      if (closed || error != null) {
        return;
      }
      pending.clear();
      error = cause;
      ready.signal();
    } finally {
      lock.unlock();
    }
  }

  public boolean isOver() {
    lock.lock();
    try {
      return closed || error != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      pending.clear();
      ready.signal();
    } finally {
      lock.unlock();
    }
    onClose.run();
  }

  private void deliver(CatchUp catchUp) {
    try {
      if (catchUp != null) {
        catchUp.run(events -> {
          if (!events.isEmpty() && !isOver()) {
            listener.onEvents(events);
          }
        });
      }
      while (true) {
        List<Store.Event> batch = new ArrayList<>();
        StoreException failure;
        lock.lock();
        try {
          while (!closed && error == null && pending.isEmpty()) {
            ready.awaitUninterruptibly();
          }
          if (closed) {
            return;
          }
          failure = error;
          while (failure == null && !pending.isEmpty() && batch.size() < MAX_BATCH) {
            batch.add(pending.poll());
          }
        } finally {
          lock.unlock();
        }
        if (failure != null) {
          endWith(failure);
          return;
        }
        listener.onEvents(batch);
      }
    } catch (StoreException e) {
      fail(e);
      endWith(e);
    } catch (RuntimeException e) {
      log.error("watch listener failed; ending the watch prefix={}", prefix, e);
      StoreException wrapped = new StoreException.Unavailable("watch listener failed: " + e, e);
      fail(wrapped);
      endWith(wrapped);
    }
  }

  private void endWith(StoreException failure) {
    boolean wasClosed;
    lock.lock();
    try {
      wasClosed = closed;
      closed = true;
    } finally {
      lock.unlock();
    }
    onClose.run();
    if (!wasClosed) {
      listener.onError(failure);
    }
  }
}
