package io.gubernator.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gubernator.store.Store.Event;
import io.gubernator.store.Store.KeyValue;
import io.gubernator.store.Store.ListResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every backend must show; a subclass per backend supplies the store. */
public abstract class StoreContractTest {
  protected Store store;
  protected String prefix;
  private final List<Store> opened = new ArrayList<>();

  /** Opens a store of the backend under test (a fresh one for the embedded backend, the shared etcd for etcd). */
  protected abstract Store openStore(StoreOptions options);

  @BeforeEach
  void openDefault() {
    store = open(StoreOptions.defaults());
    prefix = "/contract/" + UUID.randomUUID() + "/";
  }

  protected Store open(StoreOptions options) {
    Store s = openStore(options);
    opened.add(s);
    return s;
  }

  @AfterEach
  void closeAll() {
    Collections.reverse(opened);
    opened.forEach(Store::close);
    opened.clear();
  }

  protected static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  protected static String text(KeyValue kv) {
    return new String(kv.value(), UTF_8);
  }

  /** Collects a watch's events and its end. */
  protected static final class Recorder implements Store.WatchListener {
    public final List<Event> events = new CopyOnWriteArrayList<>();
    public final AtomicReference<StoreException> error = new AtomicReference<>();

    public Recorder() {}

    @Override
    public void onEvents(List<Event> batch) {
      events.addAll(batch);
    }

    @Override
    public void onError(StoreException e) {
      error.set(e);
    }

    public List<Long> revisions() {
      return events.stream().map(Event::revision).toList();
    }
  }

  @Test
  void writesCarryCreateAndModRevisionsAndVersions() {
    String key = prefix + "a";
    KeyValue created = store.create(key, bytes("v1"), 0);
    assertThat(created.createRevision()).isEqualTo(created.modRevision());
    assertThat(created.version()).isEqualTo(1);
    assertThat(store.currentRevision()).isEqualTo(created.modRevision());

    KeyValue updated = store.update(key, bytes("v2"), created.modRevision(), 0);
    assertThat(updated.modRevision()).isGreaterThan(created.modRevision());
    assertThat(updated.createRevision()).isEqualTo(created.createRevision());
    assertThat(updated.version()).isEqualTo(2);

    assertThat(text(store.get(key, 0).orElseThrow())).isEqualTo("v2");
    KeyValue old = store.get(key, created.modRevision()).orElseThrow();
    assertThat(text(old)).isEqualTo("v1");
    assertThat(old.modRevision()).isEqualTo(created.modRevision());

    Store.DeleteResult deleted = store.delete(key, updated.modRevision());
    assertThat(deleted.revision()).isGreaterThan(updated.modRevision());
    assertThat(text(deleted.previous())).isEqualTo("v2");
    assertThat(deleted.previous().modRevision()).isEqualTo(updated.modRevision());
    assertThat(store.get(key, 0)).isEmpty();
    assertThat(text(store.get(key, updated.modRevision()).orElseThrow())).isEqualTo("v2");

    KeyValue recreated = store.create(key, bytes("v3"), 0);
    assertThat(recreated.version()).isEqualTo(1);
    assertThat(recreated.createRevision()).isGreaterThan(deleted.revision());
  }

  @Test
  void createOfExistingKeyFailsWithAlreadyExists() {
    store.create(prefix + "a", bytes("x"), 0);
    assertThatThrownBy(() -> store.create(prefix + "a", bytes("y"), 0)).isInstanceOf(StoreException.AlreadyExists.class);
    assertThat(text(store.get(prefix + "a", 0).orElseThrow())).isEqualTo("x");
  }

  @Test
  void staleUpdateAndDeleteConflictAndCarryTheCurrentValue() {
    KeyValue v1 = store.create(prefix + "a", bytes("one"), 0);
    KeyValue v2 = store.update(prefix + "a", bytes("two"), v1.modRevision(), 0);

    StoreException.Conflict onUpdate = (StoreException.Conflict)
        catchStore(() -> store.update(prefix + "a", bytes("three"), v1.modRevision(), 0));
    assertThat(onUpdate.current().modRevision()).isEqualTo(v2.modRevision());
    assertThat(text(onUpdate.current())).isEqualTo("two");
    assertThat(onUpdate.current().version()).isEqualTo(2);

    StoreException.Conflict onDelete = (StoreException.Conflict) catchStore(() -> store.delete(prefix + "a", v1.modRevision()));
    assertThat(text(onDelete.current())).isEqualTo("two");
    assertThat(text(store.get(prefix + "a", 0).orElseThrow())).isEqualTo("two");
  }

  @Test
  void updateAndDeleteOfMissingKeyFailWithNotFound() {
    assertThatThrownBy(() -> store.update(prefix + "missing", bytes("x"), 5, 0)).isInstanceOf(StoreException.NotFound.class);
    assertThatThrownBy(() -> store.delete(prefix + "missing", 0)).isInstanceOf(StoreException.NotFound.class);
    assertThatThrownBy(() -> store.delete(prefix + "missing", 7)).isInstanceOf(StoreException.NotFound.class);
  }

  @Test
  void unconditionalDeleteRemovesAnyVersion() {
    KeyValue v1 = store.create(prefix + "a", bytes("one"), 0);
    store.update(prefix + "a", bytes("two"), v1.modRevision(), 0);
    assertThat(text(store.delete(prefix + "a", 0).previous())).isEqualTo("two");
    assertThat(store.get(prefix + "a", 0)).isEmpty();
  }

  @Test
  void valuesOverTheLimitAreRejected() {
    byte[] tooLarge = new byte[Store.MAX_VALUE_BYTES + 1];
    assertThatThrownBy(() -> store.create(prefix + "big", tooLarge, 0)).isInstanceOf(StoreException.ValueTooLarge.class);
    KeyValue small = store.create(prefix + "big", bytes("small"), 0);
    assertThatThrownBy(() -> store.update(prefix + "big", tooLarge, small.modRevision(), 0))
        .isInstanceOf(StoreException.ValueTooLarge.class);
    byte[] oneMiB = new byte[1024 * 1024];
    oneMiB[12345] = 7;
    KeyValue large = store.update(prefix + "big", oneMiB, small.modRevision(), 0);
    assertThat(store.get(prefix + "big", 0).orElseThrow().value()).isEqualTo(oneMiB);
    assertThat(large.version()).isEqualTo(2);
  }

  @Test
  void countCountsLiveKeysUnderThePrefixOnly() {
    for (int i = 0; i < 7; i++) {
      store.create(prefix + "k" + i, bytes("v"), 0);
    }
    store.create(prefix.substring(0, prefix.length() - 1) + "-sibling", bytes("v"), 0);
    store.delete(prefix + "k3", 0);
    assertThat(store.count(prefix)).isEqualTo(6);
  }

  @Test
  void listPagesAreConsistentAtOneRevisionWhileWritesContinue() throws Exception {
    Map<String, KeyValue> initial = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      String key = prefix + String.format("k%03d", i);
      initial.put(key, store.create(key, bytes("v" + i), 0));
    }
    ListResult first = store.list(prefix, null, 0, 7);
    assertThat(first.items()).hasSize(7);
    assertThat(first.more()).isTrue();

    ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
    Future<?> churn = writers.submit(() -> {
      for (int i = 0; i < 40; i += 2) {
        String key = prefix + String.format("k%03d", i);
        if (i % 4 == 0) {
          store.delete(key, 0);
        } else {
          store.update(key, bytes("changed"), initial.get(key).modRevision(), 0);
        }
        store.create(prefix + String.format("k%03d-new", i), bytes("new"), 0);
      }
    });
    List<KeyValue> all = new ArrayList<>(first.items());
    ListResult page = first;
    while (page.more()) {
      String last = page.items().get(page.items().size() - 1).key();
      page = store.list(prefix, last, first.revision(), 7);
      assertThat(page.revision()).isEqualTo(first.revision());
      all.addAll(page.items());
    }
    churn.get(30, TimeUnit.SECONDS);
    writers.shutdown();

    assertThat(all).extracting(KeyValue::key).containsExactlyElementsOf(initial.keySet().stream().sorted().toList());
    for (KeyValue kv : all) {
      assertThat(kv.modRevision()).isEqualTo(initial.get(kv.key()).modRevision());
      assertThat(text(kv)).isEqualTo(text(initial.get(kv.key())));
    }
    assertThat(store.list(prefix, null, 0, 0).items()).hasSize(40 - 10 + 20);
  }

  @Test
  void watchDeliversEveryEventInOrderUnderConcurrentWriters() throws Exception {
    Recorder recorder = new Recorder();
    try (Store.Watch ignored = store.watch(prefix, 0, recorder)) {
      int threads = 8;
      int keysPerThread = 20;
      List<Long> acknowledged = Collections.synchronizedList(new ArrayList<>());
      try (ExecutorService writers = Executors.newFixedThreadPool(threads)) {
        for (int t = 0; t < threads; t++) {
          int thread = t;
          writers.submit(() -> {
            for (int i = 0; i < keysPerThread; i++) {
              String key = prefix + "t" + thread + "/" + i;
              KeyValue c = store.create(key, bytes("c"), 0);
              KeyValue u = store.update(key, bytes("u"), c.modRevision(), 0);
              Store.DeleteResult d = store.delete(key, u.modRevision());
              acknowledged.addAll(List.of(c.modRevision(), u.modRevision(), d.revision()));
            }
            return null;
          });
        }
      }
      int expected = threads * keysPerThread * 3;
      assertThat(acknowledged).hasSize(expected);
      await().atMost(Duration.ofSeconds(20)).until(() -> recorder.events.size() >= expected);
      assertThat(recorder.error.get()).isNull();
      List<Long> revisions = recorder.revisions();
      assertThat(revisions).isSorted().doesNotHaveDuplicates().hasSize(expected);
      assertThat(revisions).containsExactlyInAnyOrderElementsOf(acknowledged);

      Map<String, List<Event>> byKey = new HashMap<>();
      recorder.events.forEach(e -> byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e));
      assertThat(byKey).hasSize(threads * keysPerThread);
      for (List<Event> events : byKey.values()) {
        assertThat(events).extracting(Event::type)
            .containsExactly(Event.Type.CREATED, Event.Type.UPDATED, Event.Type.DELETED);
        assertThat(events.get(0).previous()).isNull();
        assertThat(text(events.get(1).previous())).isEqualTo("c");
        assertThat(text(events.get(1).kv())).isEqualTo("u");
        assertThat(events.get(2).kv()).isNull();
        assertThat(text(events.get(2).previous())).isEqualTo("u");
      }
    }
  }

  @Test
  void watchStartedAtRevisionSeesExactlyTheEventsAfterIt() {
    List<Long> revisions = new ArrayList<>();
    KeyValue last = store.create(prefix + "a", bytes("0"), 0);
    revisions.add(last.modRevision());
    for (int i = 1; i < 10; i++) {
      last = store.update(prefix + "a", bytes(Integer.toString(i)), last.modRevision(), 0);
      revisions.add(last.modRevision());
    }
    store.create(prefix.substring(0, prefix.length() - 1) + "-other/x", bytes("not watched"), 0);
    long from = revisions.get(4);

    Recorder recorder = new Recorder();
    try (Store.Watch ignored = store.watch(prefix, from, recorder)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.events.size() >= 5);
      KeyValue after = store.update(prefix + "a", bytes("10"), last.modRevision(), 0);
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.events.size() >= 6);

      List<Long> expected = new ArrayList<>(revisions.subList(5, 10));
      expected.add(after.modRevision());
      assertThat(recorder.revisions()).containsExactlyElementsOf(expected);
      Event firstSeen = recorder.events.get(0);
      assertThat(firstSeen.type()).isEqualTo(Event.Type.UPDATED);
      assertThat(text(firstSeen.kv())).isEqualTo("5");
      assertThat(text(firstSeen.previous())).isEqualTo("4");
    }
  }

  @Test
  void watchFromNowSeesOnlyLaterWrites() {
    store.create(prefix + "before", bytes("x"), 0);
    Recorder recorder = new Recorder();
    try (Store.Watch ignored = store.watch(prefix, 0, recorder)) {
      KeyValue later = store.create(prefix + "after", bytes("y"), 0);
      await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.events.isEmpty());
      assertThat(recorder.events).extracting(Event::key).containsExactly(prefix + "after");
      assertThat(recorder.events.get(0).revision()).isEqualTo(later.modRevision());
    }
  }

  @Test
  void compactionMakesOlderRevisionsUnavailableToGetListAndWatch() {
    KeyValue v = store.create(prefix + "a", bytes("0"), 0);
    for (int i = 1; i < 5; i++) {
      v = store.update(prefix + "a", bytes(Integer.toString(i)), v.modRevision(), 0);
    }
    long compactAt = v.modRevision();
    KeyValue newer = store.update(prefix + "a", bytes("5"), v.modRevision(), 0);
    store.compact(compactAt);

    assertThat(store.compactRevision()).isGreaterThanOrEqualTo(compactAt);
    assertThatThrownBy(() -> store.get(prefix + "a", compactAt - 1)).isInstanceOf(StoreException.Compacted.class);
    assertThatThrownBy(() -> store.list(prefix, null, compactAt - 1, 0)).isInstanceOf(StoreException.Compacted.class);
    assertThatThrownBy(() -> store.watch(prefix, compactAt - 1, new Recorder())).isInstanceOf(StoreException.Compacted.class);

    assertThat(text(store.get(prefix + "a", compactAt).orElseThrow())).isEqualTo("4");
    assertThat(store.list(prefix, null, compactAt, 0).items()).extracting(KeyValue::modRevision).containsExactly(compactAt);
    Recorder recorder = new Recorder();
    try (Store.Watch ignored = store.watch(prefix, compactAt, recorder)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.events.isEmpty());
      assertThat(recorder.revisions()).containsExactly(newer.modRevision());
    }
  }

  @Test
  void keysWithTimeToLiveExpireWithADeleteEvent() {
    Recorder recorder = new Recorder();
    try (Store.Watch ignored = store.watch(prefix, 0, recorder)) {
      store.create(prefix + "lasting", bytes("stays"), 0);
      KeyValue shortLived = store.create(prefix + "event", bytes("expires"), 1);
      await().atMost(Duration.ofSeconds(20)).until(() -> store.get(prefix + "event", 0).isEmpty());
      await().atMost(Duration.ofSeconds(5)).until(() -> recorder.events.stream()
          .anyMatch(e -> e.type() == Event.Type.DELETED && e.key().equals(prefix + "event")));
      Event deleted = recorder.events.stream().filter(e -> e.type() == Event.Type.DELETED).findFirst().orElseThrow();
      assertThat(deleted.previous().modRevision()).isEqualTo(shortLived.modRevision());
      assertThat(store.get(prefix + "lasting", 0)).isPresent();
    }
  }

  @Test
  void watcherThatFallsBehindIsCutOffWithoutBlockingWriters() throws Exception {
    Store small = open(StoreOptions.defaults().withWatchQueueCapacity(20));
    CountDownLatch release = new CountDownLatch(1);
    List<Event> delivered = new CopyOnWriteArrayList<>();
    AtomicReference<StoreException> error = new AtomicReference<>();
    try (Store.Watch ignored = small.watch(prefix, 0, new Store.WatchListener() {
      @Override
      public void onEvents(List<Event> events) {
        delivered.addAll(events);
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void onError(StoreException e) {
        error.set(e);
      }
    })) {
      // The listener is stuck in its first batch; every write must still complete promptly.
      long started = System.nanoTime();
      for (int i = 0; i < 200; i++) {
        small.create(prefix + "k" + i, bytes("v"), 0);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> error.get() != null);
      assertThat(error.get()).isInstanceOf(StoreException.Compacted.class).hasMessageContaining("too slow");
      int seen = delivered.size();
      assertThat(seen).isLessThan(200);
      small.create(prefix + "after-cut", bytes("v"), 0);
      Thread.sleep(300);
      assertThat(delivered).hasSize(seen);
    }
  }

  @Test
  void everyCallAfterCloseIsUnavailable() {
    Store s = open(StoreOptions.defaults());
    s.create(prefix + "a", bytes("x"), 0);
    Recorder recorder = new Recorder();
    s.watch(prefix, 0, recorder);
    s.close();
    assertThatThrownBy(() -> s.get(prefix + "a", 0)).isInstanceOf(StoreException.Unavailable.class);
    assertThatThrownBy(() -> s.list(prefix, null, 0, 0)).isInstanceOf(StoreException.Unavailable.class);
    assertThatThrownBy(() -> s.create(prefix + "b", bytes("x"), 0)).isInstanceOf(StoreException.Unavailable.class);
    assertThatThrownBy(() -> s.delete(prefix + "a", 0)).isInstanceOf(StoreException.Unavailable.class);
    assertThatThrownBy(() -> s.watch(prefix, 0, new Recorder())).isInstanceOf(StoreException.Unavailable.class);
    assertThatThrownBy(s::currentRevision).isInstanceOf(StoreException.Unavailable.class);
    await().atMost(Duration.ofSeconds(5)).until(() -> recorder.error.get() != null);
    assertThat(recorder.error.get()).isInstanceOf(StoreException.Unavailable.class);
    s.close();
  }

  private static StoreException catchStore(Runnable r) {
    try {
      r.run();
    } catch (StoreException e) {
      return e;
    }
    throw new AssertionError("expected a StoreException");
  }
}
