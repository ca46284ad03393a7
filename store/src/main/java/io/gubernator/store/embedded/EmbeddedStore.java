package io.gubernator.store.embedded;

import com.google.protobuf.ByteString;
import io.gubernator.store.Store;
import io.gubernator.store.StoreException;
import io.gubernator.store.StoreOptions;
import io.gubernator.store.WatchQueue;
import io.gubernator.store.embedded.MvccIndex.Version;
import io.gubernator.store.embedded.proto.LogRecord;
import io.gubernator.store.embedded.proto.Meta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default store: RocksDB for durability, an in-memory MVCC index for reads and an in-memory
 * event history (everything since the compact revision) for watches.
 *
 * <p>All writes go through one committer thread. It takes every pending write, validates each in
 * order against the index (plus the earlier writes of the same batch), assigns consecutive
 * revisions, persists the whole batch as one synced RocksDB WriteBatch (group commit: concurrent
 * writers share one fsync), then applies it to the index, appends the events to the history, hands
 * them to the watchers and only then acknowledges the writers. Being the only mutator is what
 * makes the index and the revision sequence consistent without fine-grained locking.
 */
public final class EmbeddedStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);
  private static final int MAX_BATCH = 4096;
  private static final int CATCH_UP_CHUNK = 1000;

  private sealed interface Op permits Put, Remove, Compact, Stop {}

  private record Put(String key, byte[] value, boolean create, long expectedModRevision, long expiresAtMillis,
      CompletableFuture<KeyValue> result) implements Op {}

  private record Remove(String key, long expectedModRevision, CompletableFuture<DeleteResult> result) implements Op {}

  private record Compact(long revision, CompletableFuture<Void> result) implements Op {}

  private record Stop() implements Op {}

  private record Watcher(String prefix, long afterRevision, WatchQueue queue) {}

  private record Expiry(long atMillis, String key, long modRevision) implements Comparable<Expiry> {
    @Override
    public int compareTo(Expiry o) {
      int c = Long.compare(atMillis, o.atMillis);
      if (c == 0) c = key.compareTo(o.key);
      return c != 0 ? c : Long.compare(modRevision, o.modRevision);
    }
  }

  /** A validated write waiting for its batch to become durable. */
  private record Pending(Op op, Event event, Version version, Object outcome) {}

  private final Path dir;
  private final StoreOptions options;
  private final RocksLog rocks;
  private final MvccIndex index = new MvccIndex();
  private final ConcurrentSkipListMap<Long, Event> history = new ConcurrentSkipListMap<>();
  private final java.util.concurrent.ConcurrentSkipListSet<Expiry> expiries = new java.util.concurrent.ConcurrentSkipListSet<>();
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
  // Guards history appends, the publication of the current revision and the fan-out as one step, so
  // that a watch registering at revision R gets exactly the events up to R from the history and
  // everything after R live.
  private final ReentrantLock fanOutLock = new ReentrantLock();
  // Writers hold the read side while enqueueing, close() the write side, so no write is enqueued
  // after the committer has drained its queue for the last time.
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  private final Thread committer;
  private final ScheduledExecutorService timers;
  private volatile long currentRevision;
  private volatile long compactRevision;
  private volatile boolean closed;
  private volatile StoreException broken;
  private long revisionAtLastCompactionTick;

  private EmbeddedStore(Path dir, StoreOptions options, RocksLog rocks) {
    this.dir = dir;
    this.options = options;
    this.rocks = rocks;
    this.committer = Thread.ofPlatform().name("store-committer").daemon().unstarted(this::commitLoop);
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
        Thread.ofPlatform().name("store-timers").daemon().factory());
    executor.setRemoveOnCancelPolicy(true);
    this.timers = executor;
  }

  /** Opens (creating if needed) the store in {@code dir} and recovers the revision it had reached. */
  public static EmbeddedStore open(Path dir, StoreOptions options) {
    RocksLog rocks;
    try {
      rocks = RocksLog.open(dir);
    } catch (RocksDBException | java.io.IOException e) {
      throw new StoreException.Unavailable("cannot open embedded store at " + dir + ": " + e.getMessage(), e);
    }
    EmbeddedStore store = new EmbeddedStore(dir, options, rocks);
    try {
      store.recover();
    } catch (Exception e) {
      rocks.close();
      throw new StoreException.Unavailable("cannot recover embedded store at " + dir + ": " + e.getMessage(), e);
    }
    store.start();
    return store;
  }

  private void recover() throws Exception {
    long started = System.nanoTime();
    Meta meta = rocks.readMeta();
    compactRevision = meta.getCompactRevision();
    long[] last = {meta.getCurrentRevision()};
    int[] records = {0};
    rocks.replay(r -> {
      Version prev = index.latest(r.getKey());
      // Records at or below the compact revision are the survivors of compaction; their predecessors are gone.
      if (r.getRevision() > compactRevision && r.getPrevModRevision() != 0 && (prev == null || prev.modRevision() != r.getPrevModRevision())) {
        throw new IllegalStateException("log record " + r.getRevision() + " for " + r.getKey()
            + " follows revision " + r.getPrevModRevision() + " which the log does not hold");
      }
      Version v = new Version(r.getRevision(), r.getCreateRevision(), r.getVersion(),
          r.getValue().toByteArray(), r.getDeleted(), r.getExpiresAtMillis());
      index.append(r.getKey(), v);
      if (r.getRevision() > compactRevision) {
        history.put(r.getRevision(), eventOf(r.getKey(), v, prev));
      }
      last[0] = Math.max(last[0], r.getRevision());
      records[0]++;
    });
    index.forEachLatest((key, v) -> {
      if (!v.deleted() && v.expiresAtMillis() > 0) {
        expiries.add(new Expiry(v.expiresAtMillis(), key, v.modRevision()));
      }
    });
    currentRevision = last[0];
    revisionAtLastCompactionTick = currentRevision;
    log.info("embedded store recovered dir={} revision={} compactRevision={} records={} millis={}", dir,
        currentRevision, compactRevision, records[0], (System.nanoTime() - started) / 1_000_000);
  }

  private void start() {
    committer.start();
    long ttlMillis = options.ttlCheckInterval().toMillis();
    timers.scheduleWithFixedDelay(this::reapExpired, ttlMillis, ttlMillis, TimeUnit.MILLISECONDS);
    long compactMillis = options.compactionInterval().toMillis();
    if (compactMillis > 0) {
      timers.scheduleAtFixedRate(this::periodicCompaction, compactMillis, compactMillis, TimeUnit.MILLISECONDS);
    }
  }

  // ---- reads ----

  @Override
  public Optional<KeyValue> get(String key, long revision) {
    checkOpen();
    long rev = readRevision(revision);
    Version v = index.at(key, rev);
    checkNotCompactedDuring(rev);
    return Optional.ofNullable(v).map(x -> x.toKeyValue(key));
  }

  @Override
  public ListResult list(String prefix, String startAfter, long revision, int limit) {
    checkOpen();
    long rev = readRevision(revision);
    List<KeyValue> items = index.range(prefix, startAfter, rev, limit > 0 ? limit + 1 : 0);
    checkNotCompactedDuring(rev);
    boolean more = limit > 0 && items.size() > limit;
    return new ListResult(more ? List.copyOf(items.subList(0, limit)) : items, rev, more);
  }

  @Override
  public long count(String prefix) {
    checkOpen();
    return index.count(prefix, currentRevision);
  }

  @Override
  public long currentRevision() {
    checkOpen();
    return currentRevision;
  }

  @Override
  public long compactRevision() {
    checkOpen();
    return compactRevision;
  }

  private long readRevision(long revision) {
    long current = currentRevision;
    if (revision == 0) {
      return current;
    }
    if (revision > current) {
      throw new IllegalArgumentException("revision " + revision + " is in the future (current " + current + ")");
    }
    if (revision < compactRevision) {
      throw compacted(revision);
    }
    return revision;
  }

  // A compaction running concurrently with a read may have removed versions the read needed.
  private void checkNotCompactedDuring(long revision) {
    if (revision < compactRevision) {
      throw compacted(revision);
    }
  }

  private StoreException.Compacted compacted(long revision) {
    long c = compactRevision;
    return new StoreException.Compacted("revision " + revision + " has been compacted (compact revision " + c + ")", c);
  }

  // ---- writes ----

  @Override
  public KeyValue create(String key, byte[] value, long ttlSeconds) {
    checkWrite(key, value);
    return submit(new Put(key, value.clone(), true, 0, expiry(ttlSeconds), new CompletableFuture<>()));
  }

  @Override
  public KeyValue update(String key, byte[] value, long expectedModRevision, long ttlSeconds) {
    checkWrite(key, value);
    return submit(new Put(key, value.clone(), false, expectedModRevision, expiry(ttlSeconds), new CompletableFuture<>()));
  }

  @Override
  public DeleteResult delete(String key, long expectedModRevision) {
    checkOpen();
    return submit(new Remove(key, expectedModRevision, new CompletableFuture<>()));
  }

  @Override
  public void compact(long revision) {
    checkOpen();
    if (revision > currentRevision) {
      throw new IllegalArgumentException("cannot compact at future revision " + revision + " (current " + currentRevision + ")");
    }
    if (revision <= compactRevision) {
      return;
    }
    submit(new Compact(revision, new CompletableFuture<>()));
  }

  private static long expiry(long ttlSeconds) {
    return ttlSeconds > 0 ? System.currentTimeMillis() + ttlSeconds * 1000 : 0;
  }

  private void checkWrite(String key, byte[] value) {
    checkOpen();
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (value.length > MAX_VALUE_BYTES) {
      throw new StoreException.ValueTooLarge(key, value.length);
    }
  }

  @SuppressWarnings("unchecked")
  private <T> T submit(Op op) {
    lifecycle.readLock().lock();
    try {
      checkOpen();
      queue.add(op);
    } finally {
      lifecycle.readLock().unlock();
    }
    CompletableFuture<T> future = (CompletableFuture<T>) futureOf(op);
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable("interrupted while waiting for the write to commit", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreException se) {
        throw se;
      }
      throw new StoreException.Unavailable("write failed: " + e.getCause(), e.getCause());
    }
  }

  private static CompletableFuture<?> futureOf(Op op) {
    return switch (op) {
      case Put p -> p.result();
      case Remove r -> r.result();
      case Compact c -> c.result();
      case Stop s -> CompletableFuture.completedFuture(null);
    };
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException.Unavailable("store is closed", null);
    }
    StoreException b = broken;
    if (b != null) {
      throw new StoreException.Unavailable("store failed: " + b.getMessage(), b);
    }
  }

  // ---- the committer ----

  private void commitLoop() {
    List<Op> ops = new ArrayList<>();
    while (true) {
      try {
        ops.add(queue.take());
      } catch (InterruptedException e) {
        continue;
      }
      queue.drainTo(ops, MAX_BATCH - 1);
      int from = 0;
      for (int i = 0; i < ops.size(); i++) {
        Op op = ops.get(i);
        if (op instanceof Compact || op instanceof Stop) {
          commitWrites(ops.subList(from, i));
          from = i + 1;
          if (op instanceof Compact c) {
            runCompaction(c);
          } else {
            failRemaining(ops.subList(from, ops.size()));
            failRemaining(new ArrayList<>(queue));
            return;
          }
        }
      }
      commitWrites(ops.subList(from, ops.size()));
      ops.clear();
    }
  }

  private void failRemaining(List<Op> ops) {
    StoreException closedError = new StoreException.Unavailable("store is closed", null);
    for (Op op : ops) {
      futureOf(op).completeExceptionally(closedError);
    }
  }

  private void commitWrites(List<Op> ops) {
    if (ops.isEmpty()) {
      return;
    }
    if (broken != null) {
      ops.forEach(op -> futureOf(op).completeExceptionally(broken));
      return;
    }
    Map<String, Version> overlay = new HashMap<>();
    List<Pending> pending = new ArrayList<>(ops.size());
    List<LogRecord> records = new ArrayList<>(ops.size());
    long rev = currentRevision;
    for (Op op : ops) {
      String key = op instanceof Put p ? p.key() : ((Remove) op).key();
      Version cur = overlay.containsKey(key) ? overlay.get(key) : index.latest(key);
      Version live = cur == null || cur.deleted() ? null : cur;
      StoreException failure = validate(op, key, live);
      if (failure != null) {
        pending.add(new Pending(op, null, null, failure));
        continue;
      }
      rev++;
      Version next = switch (op) {
        case Put p -> live == null
            ? new Version(rev, rev, 1, p.value(), false, p.expiresAtMillis())
            : new Version(rev, live.createRevision(), live.version() + 1, p.value(), false, p.expiresAtMillis());
        case Remove r -> new Version(rev, live.createRevision(), 0, new byte[0], true, 0);
        default -> throw new IllegalStateException("not a write: " + op);
      };
      overlay.put(key, next);
      Event event = eventOf(key, next, live);
      Object outcome = op instanceof Put ? event.kv() : new DeleteResult(event.previous(), rev);
      pending.add(new Pending(op, event, next, outcome));
      records.add(LogRecord.newBuilder().setRevision(rev).setKey(key).setValue(ByteString.copyFrom(next.value()))
          .setCreateRevision(next.createRevision()).setVersion(next.version()).setDeleted(next.deleted())
          .setExpiresAtMillis(next.expiresAtMillis()).setPrevModRevision(live == null ? 0 : live.modRevision())
          .build());
    }
    if (!records.isEmpty()) {
      try {
        rocks.append(records, Meta.newBuilder().setCurrentRevision(rev).setCompactRevision(compactRevision).build());
      } catch (RocksDBException e) {
        // RocksDB refuses further writes after a failed sync, and our index would no longer match disk.
        broken = new StoreException.Unavailable("embedded store write failed: " + e.getMessage(), e);
        log.error("embedded store write failed; refusing further writes dir={} revision={}", dir, currentRevision, e);
        pending.forEach(p -> futureOf(p.op()).completeExceptionally(broken));
        return;
      }
      List<Event> events = new ArrayList<>(records.size());
      for (Pending p : pending) {
        if (p.event() != null) {
          index.append(p.event().key(), p.version());
          events.add(p.event());
          if (p.version().expiresAtMillis() > 0) {
            expiries.add(new Expiry(p.version().expiresAtMillis(), p.event().key(), p.version().modRevision()));
          }
        }
      }
      publish(events, rev);
    }
    complete(pending);
  }

  private static StoreException validate(Op op, String key, Version live) {
    return switch (op) {
      case Put p when p.create() -> live != null ? new StoreException.AlreadyExists(key) : null;
      case Put p -> live == null ? new StoreException.NotFound(key)
          : live.modRevision() != p.expectedModRevision() ? new StoreException.Conflict(key, live.toKeyValue(key)) : null;
      case Remove r -> live == null ? new StoreException.NotFound(key)
          : r.expectedModRevision() != 0 && live.modRevision() != r.expectedModRevision()
              ? new StoreException.Conflict(key, live.toKeyValue(key)) : null;
      default -> throw new IllegalStateException("not a write: " + op);
    };
  }

  @SuppressWarnings("unchecked")
  private static void complete(List<Pending> pending) {
    for (Pending p : pending) {
      CompletableFuture<Object> f = (CompletableFuture<Object>) futureOf(p.op());
      if (p.outcome() instanceof StoreException e) {
        f.completeExceptionally(e);
      } else {
        f.complete(p.outcome());
      }
    }
  }

  private static Event eventOf(String key, Version v, Version prevLive) {
    KeyValue previous = prevLive == null || prevLive.deleted() ? null : prevLive.toKeyValue(key);
    if (v.deleted()) {
      return new Event(Event.Type.DELETED, key, v.modRevision(), null, previous);
    }
    return new Event(previous == null ? Event.Type.CREATED : Event.Type.UPDATED, key, v.modRevision(),
        v.toKeyValue(key), previous);
  }

  private void publish(List<Event> events, long revision) {
    fanOutLock.lock();
    try {
      for (Event e : events) {
        history.put(e.revision(), e);
      }
      currentRevision = revision;
      for (Watcher w : watchers) {
        List<Event> matching = new ArrayList<>();
        for (Event e : events) {
          if (e.revision() > w.afterRevision() && e.key().startsWith(w.prefix())) {
            matching.add(e);
          }
        }
        if (!matching.isEmpty() && !w.queue().offer(matching)) {
          watchers.remove(w);
        }
      }
    } finally {
      fanOutLock.unlock();
    }
  }

  private void runCompaction(Compact c) {
    if (c.revision() <= compactRevision || broken != null) {
      c.result().complete(null);
      return;
    }
    long started = System.nanoTime();
    MvccIndex.CompactionPlan plan = index.planCompaction(c.revision());
    try {
      rocks.compact(plan.removedRevisions(),
          Meta.newBuilder().setCurrentRevision(currentRevision).setCompactRevision(c.revision()).build());
    } catch (RocksDBException e) {
      broken = new StoreException.Unavailable("embedded store compaction failed: " + e.getMessage(), e);
      log.error("embedded store compaction failed dir={} revision={}", dir, c.revision(), e);
      c.result().completeExceptionally(broken);
      return;
    }
    // Published before anything is removed, so a concurrent reader re-checking it notices the loss.
    compactRevision = c.revision();
    index.applyCompaction(plan);
    history.headMap(c.revision(), true).clear();
    log.info("compacted revision={} removedVersions={} millis={}", c.revision(), plan.removedRevisions().size(),
        (System.nanoTime() - started) / 1_000_000);
    c.result().complete(null);
  }

  // ---- watches ----

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) {
    checkOpen();
    fanOutLock.lock();
    try {
      long registeredAt = currentRevision;
      long after = afterRevision == 0 ? registeredAt : afterRevision;
      if (after < compactRevision) {
        throw compacted(after);
      }
      Watcher[] self = new Watcher[1];
      WatchQueue.CatchUp catchUp = after >= registeredAt ? null : sink -> catchUp(prefix, after, registeredAt, sink);
      WatchQueue queue = WatchQueue.start(prefix, options.watchQueueCapacity(), listener, catchUp,
          () -> {
            Watcher w = self[0];
            if (w != null) {
              watchers.remove(w);
            }
          });
      self[0] = new Watcher(prefix, Math.max(after, registeredAt), queue);
      watchers.add(self[0]);
      return queue;
    } finally {
      fanOutLock.unlock();
    }
  }

  private void catchUp(String prefix, long after, long upTo, java.util.function.Consumer<List<Event>> sink) {
    long position = after;
    while (position < upTo) {
      List<Event> chunk = new ArrayList<>();
      long scanned = position;
      for (Event e : history.subMap(position, false, upTo, true).values()) {
        scanned = e.revision();
        if (e.key().startsWith(prefix)) {
          chunk.add(e);
          if (chunk.size() >= CATCH_UP_CHUNK) {
            break;
          }
        }
      }
      if (compactRevision > position) {
        throw compacted(position);
      }
      sink.accept(chunk);
      position = chunk.size() >= CATCH_UP_CHUNK ? scanned : upTo;
    }
  }

  // ---- time to live and periodic compaction ----

  private void reapExpired() {
    try {
      long now = System.currentTimeMillis();
      List<CompletableFuture<DeleteResult>> deletes = new ArrayList<>();
      while (!closed) {
        Expiry first = expiries.isEmpty() ? null : expiries.first();
        if (first == null || first.atMillis() > now) {
          break;
        }
        expiries.remove(first);
        Version latest = index.latest(first.key());
        if (latest != null && !latest.deleted() && latest.modRevision() == first.modRevision()) {
          CompletableFuture<DeleteResult> f = new CompletableFuture<>();
          lifecycle.readLock().lock();
          try {
            if (closed) {
              break;
            }
            queue.add(new Remove(first.key(), first.modRevision(), f));
          } finally {
            lifecycle.readLock().unlock();
          }
          deletes.add(f);
        }
      }
      for (CompletableFuture<DeleteResult> f : deletes) {
        try {
          DeleteResult r = f.get();
          log.debug("expired key={} revision={}", r.previous().key(), r.revision());
        } catch (ExecutionException e) {
          // Conflict or NotFound: the key changed after we looked, so its new version decides.
          if (!(e.getCause() instanceof StoreException.Conflict || e.getCause() instanceof StoreException.NotFound)) {
            log.warn("expiring a key failed error={}", e.getCause().toString());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.error("time-to-live reaper failed", e);
    }
  }

  private void periodicCompaction() {
    try {
      long target = revisionAtLastCompactionTick;
      revisionAtLastCompactionTick = currentRevision;
      if (!closed && target > compactRevision) {
        compact(target);
      }
    } catch (RuntimeException e) {
      log.warn("periodic compaction failed error={}", e.toString());
    }
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(new Stop());
    } finally {
      lifecycle.writeLock().unlock();
    }
    timers.shutdownNow();
    try {
      committer.join();
      timers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    StoreException closedError = new StoreException.Unavailable("store is closed", null);
    for (Watcher w : List.copyOf(watchers)) {
      w.queue().fail(closedError);
    }
    watchers.clear();
    rocks.close();
    log.info("embedded store closed dir={} revision={}", dir, currentRevision);
  }
}
