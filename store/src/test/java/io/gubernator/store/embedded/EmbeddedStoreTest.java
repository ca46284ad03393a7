package io.gubernator.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gubernator.store.Store;
import io.gubernator.store.Store.Event;
import io.gubernator.store.Store.KeyValue;
import io.gubernator.store.StoreContractTest;
import io.gubernator.store.StoreException;
import io.gubernator.store.StoreOptions;
import io.gubernator.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest extends StoreContractTest {
  @TempDir
  Path tempDir;
  private final AtomicInteger stores = new AtomicInteger();

  @Override
  protected Store openStore(StoreOptions options) {
    return Stores.open("embedded://" + tempDir.resolve("store-" + stores.incrementAndGet()).toAbsolutePath(), options);
  }

  @Test
  void reopenKeepsRevisionsValuesAndHistory() {
    Path dir = tempDir.resolve("reopen");
    KeyValue a1;
    KeyValue a2;
    long deletedAt;
    long revision;
    try (Store s = EmbeddedStore.open(dir, StoreOptions.defaults())) {
      a1 = s.create("/r/a", bytes("a1"), 0);
      a2 = s.update("/r/a", bytes("a2"), a1.modRevision(), 0);
      s.create("/r/b", bytes("b1"), 0);
      deletedAt = s.delete("/r/b", 0).revision();
      revision = s.currentRevision();
    }
    try (Store s = EmbeddedStore.open(dir, StoreOptions.defaults())) {
      assertThat(s.currentRevision()).isEqualTo(revision);
      assertThat(s.get("/r/a", 0).orElseThrow()).usingRecursiveComparison().isEqualTo(a2);
      assertThat(text(s.get("/r/a", a1.modRevision()).orElseThrow())).isEqualTo("a1");
      assertThat(s.get("/r/b", 0)).isEmpty();
      assertThat(text(s.get("/r/b", deletedAt - 1).orElseThrow())).isEqualTo("b1");

      Recorder recorder = new Recorder();
      try (Store.Watch ignored = s.watch("/r/", a1.modRevision(), recorder)) {
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.events.size() >= 3);
        assertThat(recorder.events).extracting(Event::type)
            .containsExactly(Event.Type.UPDATED, Event.Type.CREATED, Event.Type.DELETED);
        assertThat(text(recorder.events.get(0).previous())).isEqualTo("a1");
      }
      assertThat(s.create("/r/c", bytes("c"), 0).modRevision()).isEqualTo(revision + 1);
    }
  }

  @Test
  void reopenKeepsTheCompactRevisionAndDropsCompactedHistory() {
    Path dir = tempDir.resolve("reopen-compacted");
    long compactAt;
    try (Store s = EmbeddedStore.open(dir, StoreOptions.defaults())) {
      KeyValue v = s.create("/c/a", bytes("0"), 0);
      for (int i = 1; i < 10; i++) {
        v = s.update("/c/a", bytes(Integer.toString(i)), v.modRevision(), 0);
      }
      s.create("/c/gone", bytes("x"), 0);
      s.delete("/c/gone", 0);
      compactAt = s.currentRevision();
      s.compact(compactAt);
    }
    try (Store s = EmbeddedStore.open(dir, StoreOptions.defaults())) {
      assertThat(s.compactRevision()).isEqualTo(compactAt);
      assertThat(s.currentRevision()).isEqualTo(compactAt);
      assertThat(text(s.get("/c/a", 0).orElseThrow())).isEqualTo("9");
      assertThat(s.get("/c/a", 0).orElseThrow().version()).isEqualTo(10);
      assertThat(s.get("/c/gone", 0)).isEmpty();
      assertThatThrownBy(() -> s.get("/c/a", compactAt - 1)).isInstanceOf(StoreException.Compacted.class);
      assertThat(s.create("/c/next", bytes("n"), 0).modRevision()).isEqualTo(compactAt + 1);
    }
  }

  @Test
  void compactionRunsPeriodicallyKeepingTheLastInterval() {
    try (Store s = EmbeddedStore.open(tempDir.resolve("periodic"),
        StoreOptions.defaults().withCompactionInterval(Duration.ofMillis(300)))) {
      KeyValue v = s.create("/p/a", bytes("0"), 0);
      long firstRevision = v.modRevision();
      v = s.update("/p/a", bytes("1"), v.modRevision(), 0);
      long written = v.modRevision();
      // The first tick only remembers the revision; a later tick compacts up to it.
      await().atMost(Duration.ofSeconds(5)).until(() -> s.compactRevision() >= written);
      assertThat(s.compactRevision()).isEqualTo(written);
      assertThatThrownBy(() -> s.get("/p/a", firstRevision)).isInstanceOf(StoreException.Compacted.class);
      assertThat(text(s.get("/p/a", 0).orElseThrow())).isEqualTo("1");
    }
  }

  @Test
  void keysThatExpiredWhileClosedAreDeletedAfterReopen() throws Exception {
    Path dir = tempDir.resolve("ttl-reopen");
    try (Store s = EmbeddedStore.open(dir, StoreOptions.defaults())) {
      s.create("/t/short", bytes("x"), 1);
      s.create("/t/long", bytes("y"), 3600);
    }
    Thread.sleep(1100);
    try (Store s = EmbeddedStore.open(dir, StoreOptions.defaults())) {
      List<Event> events = new CopyOnWriteArrayList<>();
      s.watch("/t/", 0, new Store.WatchListener() {
        @Override
        public void onEvents(List<Event> batch) {
          events.addAll(batch);
        }

        @Override
        public void onError(StoreException e) {}
      });
      await().atMost(Duration.ofSeconds(5)).until(() -> s.get("/t/short", 0).isEmpty());
      await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
      assertThat(events.get(0).type()).isEqualTo(Event.Type.DELETED);
      assertThat(s.get("/t/long", 0)).isPresent();
    }
  }

  @Test
  void watchFromBeforeTheLiveWindowCatchesUpFromHistoryInOrder() {
    try (Store s = EmbeddedStore.open(tempDir.resolve("catch-up"), StoreOptions.defaults())) {
      // Revision 0 would mean "from now", so history starts after a first write.
      long start = s.create("/h/first", bytes("v"), 0).modRevision();
      for (int i = 0; i < 2500; i++) {
        s.create("/h/k" + i, bytes("v"), 0);
      }
      Recorder recorder = new Recorder();
      try (Store.Watch ignored = s.watch("/h/", start, recorder)) {
        s.create("/h/live", bytes("v"), 0);
        await().atMost(Duration.ofSeconds(10)).failFast(() -> recorder.error.get() != null)
            .until(() -> recorder.events.size() >= 2501);
        List<Long> revisions = recorder.revisions();
        assertThat(revisions).hasSize(2501).isSorted().doesNotHaveDuplicates();
        assertThat(revisions.get(0)).isEqualTo(start + 1);
        assertThat(revisions.get(2500)).isEqualTo(start + 2501);
      }
    }
  }
}
