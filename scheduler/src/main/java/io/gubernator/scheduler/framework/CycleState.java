package io.gubernator.scheduler.framework;

import java.util.HashMap;
import java.util.Map;

/**
 * Data that plugins compute once per scheduling cycle (in PreFilter or PreScore) and read for
 * every node, keyed by the plugin's own key. One cycle schedules one pod on one thread; filters
 * that run in parallel only read it.
 */
public final class CycleState {

  private final Map<String, Object> data = new HashMap<>();

  public void write(String key, Object value) {
    data.put(key, value);
  }

  public <T> T read(String key, Class<T> type) {
    Object v = data.get(key);
    return v == null ? null : type.cast(v);
  }
}
