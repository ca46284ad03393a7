package io.gubernator.store;

import java.util.List;
import java.util.Optional;

/**
 * A revisioned key-value store with watch, in etcd's model (the contract kine also offers).
 *
 * <p>One global revision counter; every write gets the next revision. A key carries its create
 * revision, mod revision and version (writes since creation). Writes are compare-and-swap on the mod
 * revision. Watches start from any revision still in history. The API server is the only user and
 * uses an object's mod revision as its {@code resourceVersion}.
 *
 * <p>All methods block the calling thread until the operation is durable (writes) or answered
 * (reads); callers are expected to run on virtual threads. Failures are {@link StoreException}
 * subtypes.
 */
public interface Store extends AutoCloseable {

  /** Largest value accepted by {@link #create} and {@link #update}: etcd's default request limit. */
  int MAX_VALUE_BYTES = 1536 * 1024;

  /**
   * The key's value at {@code revision}, or at the latest revision when {@code revision} is 0.
   *
   * @throws StoreException.Compacted when {@code revision} is below the compacted revision
   */
  Optional<KeyValue> get(String key, long revision);

  /**
   * Keys starting with {@code prefix}, in key order, after {@code startAfter} (exclusive; null or
   * empty for the first page), at most {@code limit} (0 = no limit), as of {@code revision} (0 =
   * latest). Pages requested with the revision of the first page are consistent with it.
   *
   * @throws StoreException.Compacted when {@code revision} is below the compacted revision
   */
  ListResult list(String prefix, String startAfter, long revision, int limit);

  /** Number of live keys starting with {@code prefix} at the latest revision. */
  long count(String prefix);

  /**
   * Creates {@code key} if it does not exist. A positive {@code ttlSeconds} makes the key expire
   * (be deleted, with a delete event) after that many seconds.
   *
   * @throws StoreException.AlreadyExists when the key exists
   * @throws StoreException.ValueTooLarge when the value is over {@link #MAX_VALUE_BYTES}
   */
  KeyValue create(String key, byte[] value, long ttlSeconds);

  /**
   * Replaces the value of {@code key} if its mod revision is {@code expectedModRevision}.
   *
   * @throws StoreException.NotFound when the key does not exist
   * @throws StoreException.Conflict when the mod revision differs; carries the current value
   */
  KeyValue update(String key, byte[] value, long expectedModRevision, long ttlSeconds);

  /**
   * Deletes {@code key} if its mod revision is {@code expectedModRevision} (0 = unconditionally).
   * Returns the value as it was before the delete, with the delete's revision in {@link
   * DeleteResult#revision()}.
   *
   * @throws StoreException.NotFound when the key does not exist
   * @throws StoreException.Conflict when the mod revision differs; carries the current value
   */
  DeleteResult delete(String key, long expectedModRevision);

  /**
   * Streams every change to keys starting with {@code prefix} with a revision strictly greater
   * than {@code afterRevision} (0 = from now on), in revision order, to {@code listener}, until
   * the returned handle is closed or the listener gets {@link WatchListener#onError}. Events are
   * delivered on a thread of the store's; a listener that falls too far behind is cut off with
   * {@link StoreException.Compacted} (the Kubernetes "too old resource version" answer) so that it
   * can re-list, rather than slowing writers or holding memory without bound.
   *
   * @throws StoreException.Compacted when {@code afterRevision} is below the compacted revision
   */
  Watch watch(String prefix, long afterRevision, WatchListener listener);

  /** The revision of the last committed write. */
  long currentRevision();

  /** The revision below which history has been discarded (0 when nothing was compacted). */
  long compactRevision();

  /** Discards the history of superseded values and deleted keys below {@code revision}. */
  void compact(long revision);

  @Override
  void close();

  /** A key's value and its revisions. */
  record KeyValue(String key, byte[] value, long createRevision, long modRevision, long version) {}

  /** One page of a {@link #list}: the items, the revision it was read at, and whether more follow. */
  record ListResult(List<KeyValue> items, long revision, boolean more) {}

  /** What {@link #delete} removed, and the revision of the delete. */
  record DeleteResult(KeyValue previous, long revision) {}

  /** A change to a key. {@code kv} is null for deletes; {@code previous} is null for creates. */
  record Event(Type type, String key, long revision, KeyValue kv, KeyValue previous) {
    public enum Type { CREATED, UPDATED, DELETED }
  }

  /** Receives watch events; called from one thread at a time, in revision order. */
  interface WatchListener {
    void onEvents(List<Event> events);

    /** The watch ended because of {@code error}; no more events follow. */
    void onError(StoreException error);
  }

  /** A running watch. Closing it stops delivery; closing twice is harmless. */
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }
}
