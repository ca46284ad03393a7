package io.gubernator.store;

/** The typed failures of a {@link Store}; the API server maps each to a Kubernetes status. */
public abstract sealed class StoreException extends RuntimeException {

  StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code create} of a key that exists. */
  public static final class AlreadyExists extends StoreException {
    public AlreadyExists(String key) {
      super("key already exists: " + key, null);
    }
  }

  /** A compare-and-swap whose expected mod revision is stale; carries the current value. */
  public static final class Conflict extends StoreException {
    private final Store.KeyValue current;

    public Conflict(String key, Store.KeyValue current) {
      super("key " + key + " was modified (now at revision " + current.modRevision() + ")", null);
      this.current = current;
    }

    public Store.KeyValue current() {
      return current;
    }
  }

  /** An operation on a key that does not exist. */
  public static final class NotFound extends StoreException {
    public NotFound(String key) {
      super("key not found: " + key, null);
    }
  }

  /** A read or watch at a revision whose history is gone, or a watcher that fell too far behind. */
  public static final class Compacted extends StoreException {
    private final long compactRevision;

    public Compacted(String message, long compactRevision) {
      super(message, null);
      this.compactRevision = compactRevision;
    }

    public long compactRevision() {
      return compactRevision;
    }
  }

  /** A value over {@link Store#MAX_VALUE_BYTES}. */
  public static final class ValueTooLarge extends StoreException {
    public ValueTooLarge(String key, int size) {
      super("value of " + key + " is " + size + " bytes, over the limit of " + Store.MAX_VALUE_BYTES, null);
    }
  }

  /** The backend cannot answer now (closed, unreachable, I/O failure). */
  public static final class Unavailable extends StoreException {
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
