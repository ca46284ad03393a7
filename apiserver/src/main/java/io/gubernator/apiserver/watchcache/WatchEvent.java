package io.gubernator.apiserver.watchcache;

/** A change as the cache saw it; {@code previous} lets filtered watchers turn updates into adds or deletes. */
public record WatchEvent(Type type, CachedObject object, CachedObject previous, long revision) {
  public enum Type { ADDED, MODIFIED, DELETED }
}
