package io.gubernator.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How long an item waits before it is retried, as client-go's {@code workqueue.RateLimiter}:
 * {@link #when} is asked once per failure, {@link #forget} resets the item after a success.
 */
public interface RateLimiter<T> {

  Duration when(T item);

  void forget(T item);

  int numRequeues(T item);

  /**
   * client-go's {@code DefaultControllerRateLimiter}: per-item exponential backoff from 5 ms to
   * 1000 s, and an overall token bucket of 10 qps with a burst of 100, whichever is slower.
   */
  static <T> RateLimiter<T> defaultControllerRateLimiter() {
    return maxOf(exponentialFailure(Duration.ofMillis(5), Duration.ofSeconds(1000)),
        bucket(10, 100, System::nanoTime));
  }

  /** {@code base * 2^failures}, capped at {@code max}; failures count per item until forgotten. */
  static <T> RateLimiter<T> exponentialFailure(Duration base, Duration max) {
    return new ExponentialFailure<>(base.toNanos(), max.toNanos());
  }

  /** A token bucket shared by all items: it limits the overall retry rate, not a single item's. */
  static <T> RateLimiter<T> bucket(double qps, int burst, LongSupplier nanoTime) {
    return new Bucket<>(qps, burst, nanoTime);
  }

  /** The longest delay of the given limiters; requeues are counted by the slowest. */
  @SafeVarargs
  static <T> RateLimiter<T> maxOf(RateLimiter<T>... limiters) {
    List<RateLimiter<T>> all = List.of(limiters);
    return new RateLimiter<>() {
      @Override
      public Duration when(T item) {
        Duration max = Duration.ZERO;
        for (RateLimiter<T> l : all) {
          Duration d = l.when(item);
          if (d.compareTo(max) > 0) max = d;
        }
        return max;
      }

      @Override
      public void forget(T item) {
        all.forEach(l -> l.forget(item));
      }

      @Override
      public int numRequeues(T item) {
        return all.stream().mapToInt(l -> l.numRequeues(item)).max().orElse(0);
      }
    };
  }

  final class ExponentialFailure<T> implements RateLimiter<T> {
    private final long baseNanos;
    private final long maxNanos;
    private final Map<T, Integer> failures = new ConcurrentHashMap<>();

    ExponentialFailure(long baseNanos, long maxNanos) {
      this.baseNanos = baseNanos;
      this.maxNanos = maxNanos;
    }

    @Override
    public Duration when(T item) {
      int exp = failures.merge(item, 1, Integer::sum) - 1;
      // Past 2^62 the product overflows; the cap is reached long before that anyway.
      if (exp >= 62) return Duration.ofNanos(maxNanos);
      double backoff = baseNanos * Math.pow(2, exp);
      return Duration.ofNanos(backoff > maxNanos ? maxNanos : (long) backoff);
    }

    @Override
    public void forget(T item) {
      failures.remove(item);
    }

    @Override
    public int numRequeues(T item) {
      return failures.getOrDefault(item, 0);
    }
  }

  final class Bucket<T> implements RateLimiter<T> {
    private final double qps;
    private final int burst;
    private final LongSupplier nanoTime;
    private double tokens;
    private long last;

    Bucket(double qps, int burst, LongSupplier nanoTime) {
      this.qps = qps;
      this.burst = burst;
      this.nanoTime = nanoTime;
      this.tokens = burst;
      this.last = nanoTime.getAsLong();
    }

    /** Reserves a token, as golang.org/x/time/rate's Reserve: a debt is paid back by waiting. */
    @Override
    public synchronized Duration when(T item) {
      long now = nanoTime.getAsLong();
      tokens = Math.min(burst, tokens + (now - last) / 1e9 * qps);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? Duration.ZERO : Duration.ofNanos((long) (-tokens / qps * 1e9));
    }

    @Override
    public void forget(T item) {
      // The bucket is shared: one item's success does not give tokens back.
    }

    @Override
    public int numRequeues(T item) {
      return 0;
    }
  }
}
