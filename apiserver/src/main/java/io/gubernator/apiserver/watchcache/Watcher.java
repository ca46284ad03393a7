package io.gubernator.apiserver.watchcache;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One client's watch on a resource's cache. The cache's dispatcher offers events without blocking;
 * a watcher whose buffer overflows is terminated so a slow client never holds up the others (the
 * client then re-lists, as Kubernetes' watch cache forces it to).
 */
public final class Watcher implements AutoCloseable {

  /** What the HTTP layer reads: an event, or the end of the watch. */
  public sealed interface Item {}

  public record Event(String type, CachedObject object) implements Item {}

  public record Closed(String reason) implements Item {}

  private final Predicate<CachedObject> filter;
  private final BlockingQueue<Item> queue;
  private final Runnable onClose;
  private volatile boolean closed;

  Watcher(Predicate<CachedObject> filter, int capacity, Runnable onClose) {
    this.filter = filter;
    // Linked, not an array: a bound of thousands preallocated per watch cost 80 KB for each of the
    // fifty-odd informers' watches at start, though an idle watch holds nothing.
    this.queue = new LinkedBlockingQueue<>(capacity + 1);
    this.onClose = onClose;
  }

  /** Translates a cache event through this watcher's filter; returns false when the watcher was cut off. */
  boolean offer(WatchEvent e) {
    if (closed) return false;
    boolean now = e.type() != WatchEvent.Type.DELETED && filter.test(e.object());
    boolean before = e.previous() != null && filter.test(e.previous());
    String type;
    CachedObject object = e.object();
    if (e.type() == WatchEvent.Type.DELETED) {
      if (!filter.test(e.object())) return true;
      type = "DELETED";
    } else if (now && before) {
      type = "MODIFIED";
    } else if (now) {
      type = "ADDED";
    } else if (before) {
      // It left the selection: the client sees it go, as it would with Kubernetes.
      type = "DELETED";
    } else {
      return true;
    }
    return enqueue(new Event(type, object));
  }

  boolean enqueue(Item item) {
    if (closed) return false;
    if (queue.remainingCapacity() <= 1 && !(item instanceof Closed)) {
      terminate("watcher fell too far behind");
      return false;
    }
    queue.offer(item);
    return true;
  }

  void terminate(String reason) {
    if (closed) return;
    queue.clear();
    queue.offer(new Closed(reason));
    closed = true;
  }

  /** The next item, or null after {@code timeoutMillis}. */
  public Item poll(long timeoutMillis) throws InterruptedException {
    return queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    onClose.run();
  }
}
