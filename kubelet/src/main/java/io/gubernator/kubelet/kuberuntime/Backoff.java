package io.gubernator.kubelet.kuberuntime;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The kubelet's restart and pull back-off: the first retry is immediate, then 10 s, doubling to
 * 5 min; an entry that has been quiet for twice the maximum starts over.
 */
public final class Backoff {

  private record Entry(Duration delay, Instant last) {}

  private final Duration initial;
  private final Duration max;
  private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();

  public Backoff(Duration initial, Duration max) {
    this.initial = initial;
    this.max = max;
  }

  /** How long {@code key} must still wait after a failure at {@code since}; zero when it may go now. */
  public Duration remaining(String key, Instant since, Instant now) {
    Entry e = entries.get(key);
    if (e == null) return Duration.ZERO;
    if (Duration.between(e.last(), now).compareTo(max.multipliedBy(2)) > 0) {
      entries.remove(key, e);
      return Duration.ZERO;
    }
    Instant until = since.plus(e.delay());
    return now.isBefore(until) ? Duration.between(now, until) : Duration.ZERO;
  }

  /** How long {@code key} must still wait, counted from its last {@link #next}; zero when it may go now. */
  public Duration remainingSinceLast(String key, Instant now) {
    Entry e = entries.get(key);
    return e == null ? Duration.ZERO : remaining(key, e.last(), now);
  }

  /** Records a retry now; the next one waits longer. */
  public void next(String key, Instant now) {
    entries.compute(key, (k, e) -> {
      if (e == null || Duration.between(e.last(), now).compareTo(max.multipliedBy(2)) > 0) return new Entry(initial, now);
      Duration d = e.delay().multipliedBy(2);
      return new Entry(d.compareTo(max) > 0 ? max : d, now);
    });
  }

  /** The delay the last {@link #next} set for {@code key}, for messages ("back-off 20s restarting ..."). */
  public Duration current(String key) {
    Entry e = entries.get(key);
    return e == null ? initial : e.delay();
  }

  public void forgetPrefix(String prefix) {
    entries.keySet().removeIf(k -> k.startsWith(prefix));
  }
}
