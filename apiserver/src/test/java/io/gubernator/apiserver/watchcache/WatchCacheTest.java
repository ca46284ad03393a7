package io.gubernator.apiserver.watchcache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatchCacheTest {

  private static CachedObject pod(String name, String app, long rev) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.putObject("metadata").put("name", name).put("namespace", "ns").put("resourceVersion", Long.toString(rev))
        .putObject("labels").put("app", app);
    return new CachedObject("/registry/core/pods/ns/" + name, "ns", name, o, rev);
  }

  private static List<Watcher.Item> drain(Watcher w) throws InterruptedException {
    List<Watcher.Item> items = new ArrayList<>();
    Watcher.Item i;
    while ((i = w.poll(50)) != null) items.add(i);
    return items;
  }

  @Test
  void watchFromARevisionReplaysOnlyLaterEvents() throws Exception {
    WatchCache cache = new WatchCache("core/pods", 100);
    cache.reset(List.of(), 10);
    cache.apply(new WatchEvent(WatchEvent.Type.ADDED, pod("a", "x", 11), null, 11));
    cache.apply(new WatchEvent(WatchEvent.Type.ADDED, pod("b", "x", 12), null, 12));
    Watcher w = cache.watch(11, false, o -> true, null);
    List<Watcher.Item> items = drain(w);
    assertThat(items).hasSize(1);
    assertThat(((Watcher.Event) items.getFirst()).object().name()).isEqualTo("b");
  }

  @Test
  void aRevisionOlderThanTheWindowCannotBeResumed() {
    WatchCache cache = new WatchCache("core/pods", 2);
    cache.reset(List.of(), 10);
    for (int i = 11; i <= 15; i++) cache.apply(new WatchEvent(WatchEvent.Type.ADDED, pod("p" + i, "x", i), null, i));
    assertThat(cache.watch(10, false, o -> true, null)).isNull();
    assertThat(cache.watch(13, false, o -> true, null)).isNotNull();
  }

  @Test
  void anObjectLeavingTheSelectionIsSeenAsDeleted() throws Exception {
    WatchCache cache = new WatchCache("core/pods", 100);
    cache.reset(List.of(pod("a", "x", 5)), 5);
    Watcher w = cache.watch(5, false, o -> "x".equals(o.object().at("/metadata/labels/app").asText()), null);
    cache.apply(new WatchEvent(WatchEvent.Type.MODIFIED, pod("a", "y", 6), pod("a", "x", 5), 6));
    cache.apply(new WatchEvent(WatchEvent.Type.MODIFIED, pod("a", "x", 7), pod("a", "y", 6), 7));
    List<Watcher.Item> items = drain(w);
    assertThat(items).extracting(i -> ((Watcher.Event) i).type()).containsExactly("DELETED", "ADDED");
  }

  @Test
  void initialStateComesFirstAsAdded() throws Exception {
    WatchCache cache = new WatchCache("core/pods", 100);
    cache.reset(List.of(pod("a", "x", 3), pod("b", "x", 4)), 4);
    Watcher w = cache.watch(0, true, o -> true, "/registry/core/pods/ns/");
    assertThat(drain(w)).extracting(i -> ((Watcher.Event) i).object().name()).containsExactly("a", "b");
  }

  @Test
  void aWatcherThatFallsBehindIsCutOffWithoutBlockingTheCache() throws Exception {
    WatchCache cache = new WatchCache("core/pods", 100_000);
    cache.reset(List.of(), 0);
    Watcher w = cache.watch(0, false, o -> true, null);
    for (int i = 1; i <= WatchCache.WATCHER_BUFFER + 10; i++) {
      cache.apply(new WatchEvent(WatchEvent.Type.ADDED, pod("p" + i, "x", i), null, i));
    }
    List<Watcher.Item> items = drain(w);
    assertThat(items).hasSize(1);
    assertThat(items.getFirst()).isInstanceOf(Watcher.Closed.class);
  }
}
