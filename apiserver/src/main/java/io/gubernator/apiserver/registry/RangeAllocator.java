package io.gubernator.apiserver.registry;

import io.gubernator.store.Store;
import io.gubernator.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;

/**
 * Hands out values of a range (ClusterIPs, NodePorts) never twice: each taken value is a key in
 * the store, created if absent, so two API servers sharing a store cannot hand out the same one.
 */
public final class RangeAllocator {

  private final Store store;
  private final String prefix;
  private final long first;
  private final long size;
  private final LongFunction<String> format;

  /** Values {@code first .. first+size-1}, rendered by {@code format}. */
  public RangeAllocator(Store store, String name, long first, long size, LongFunction<String> format) {
    this.store = store;
    this.prefix = "/registry/ranges/" + name + "/";
    this.first = first;
    this.size = size;
    this.format = format;
  }

  public boolean contains(long value) {
    return value >= first && value < first + size;
  }

  /** Takes a specific value; false when it is taken already. */
  public boolean reserve(long value, String owner) {
    try {
      store.create(prefix + format.apply(value), ("{\"owner\":\"" + owner.replace("\"", "") + "\"}").getBytes(StandardCharsets.UTF_8), 0);
      return true;
    } catch (StoreException.AlreadyExists e) {
      return false;
    }
  }

  /** Takes any free value, starting at a random offset; -1 when the range is full. */
  public long allocate(String owner) {
    long start = ThreadLocalRandom.current().nextLong(size);
    for (long i = 0; i < size; i++) {
      long v = first + (start + i) % size;
      if (reserve(v, owner)) return v;
    }
    return -1;
  }

  /** A free value without taking it (for dry runs); -1 when none. */
  public long peek() {
    long start = ThreadLocalRandom.current().nextLong(size);
    for (long i = 0; i < Math.min(size, 1000); i++) {
      long v = first + (start + i) % size;
      if (store.get(prefix + format.apply(v), 0).isEmpty()) return v;
    }
    return -1;
  }

  public boolean isTaken(long value) {
    return store.get(prefix + format.apply(value), 0).isPresent();
  }

  public void release(long value) {
    try {
      store.delete(prefix + format.apply(value), 0);
    } catch (StoreException.NotFound e) {
      // already free
    }
  }
}
