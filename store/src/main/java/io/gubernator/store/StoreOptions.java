package io.gubernator.store;

import java.time.Duration;

/**
 * Tuning shared by the backends.
 *
 * @param watchQueueCapacity events a watcher may have waiting before it is cut off as too slow
 * @param compactionInterval how often the embedded store compacts on its own (zero disables it)
 * @param ttlCheckInterval how often the embedded store looks for expired keys
 */
public record StoreOptions(int watchQueueCapacity, Duration compactionInterval, Duration ttlCheckInterval) {

  /** Kubernetes' API server compacts every five minutes and keeps the last five minutes. */
  public static final Duration DEFAULT_COMPACTION_INTERVAL = Duration.ofMinutes(5);

  public StoreOptions {
    if (watchQueueCapacity < 1) {
      throw new IllegalArgumentException("watchQueueCapacity must be positive: " + watchQueueCapacity);
    }
    if (compactionInterval.isNegative() || ttlCheckInterval.isNegative() || ttlCheckInterval.isZero()) {
      throw new IllegalArgumentException("intervals must be positive");
    }
  }

  public static StoreOptions defaults() {
    return new StoreOptions(10_000, DEFAULT_COMPACTION_INTERVAL, Duration.ofMillis(500));
  }

  public StoreOptions withWatchQueueCapacity(int capacity) {
    return new StoreOptions(capacity, compactionInterval, ttlCheckInterval);
  }

  public StoreOptions withCompactionInterval(Duration interval) {
    return new StoreOptions(watchQueueCapacity, interval, ttlCheckInterval);
  }
}
