package io.gubernator.apiserver.watchcache;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;

/**
 * One object as the cache holds it: decoded once, with {@code metadata.resourceVersion} set.
 * Callers must not modify {@code object}; they copy it first. Its JSON encoding is made once, on
 * first use, and shared by every watcher that sends it (as Kubernetes' cachingObject does): with
 * many watchers, encoding per watcher was the watch path's main cost.
 */
public final class CachedObject {
  private final String key;
  private final String namespace;
  private final String name;
  private final ObjectNode object;
  private final long revision;
  private volatile byte[] json;

  public CachedObject(String key, String namespace, String name, ObjectNode object, long revision) {
    this.key = key;
    this.namespace = namespace;
    this.name = name;
    this.object = object;
    this.revision = revision;
  }

  public String key() {
    return key;
  }

  public String namespace() {
    return namespace;
  }

  public String name() {
    return name;
  }

  public ObjectNode object() {
    return object;
  }

  public long revision() {
    return revision;
  }

  /** The object's JSON; a race may encode it twice, with the same result. */
  public byte[] json() {
    byte[] b = json;
    if (b == null) {
      b = Json.bytes(object);
      json = b;
    }
    return b;
  }

  @Override
  public String toString() {
    return "CachedObject[" + key + "@" + revision + "]";
  }
}
