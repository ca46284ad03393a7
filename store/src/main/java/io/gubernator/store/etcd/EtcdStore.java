package io.gubernator.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.gubernator.store.Store;
import io.gubernator.store.StoreException;
import io.gubernator.store.StoreOptions;
import io.gubernator.store.WatchQueue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on etcd v3: our revisions are etcd's, compare-and-swap is a transaction comparing the
 * mod revision (whose else branch reads the current value for the conflict), a time to live is a
 * lease, and watches are etcd watches behind the same bounded {@link WatchQueue} as the embedded
 * store's.
 */
public final class EtcdStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(EtcdStore.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final List<String> endpoints;
  private final StoreOptions options;
  private final Client client;
  private final KV kv;
  // Compaction only moves forward, so a revision once found compacted stays a lower bound.
  private final AtomicLong knownCompactRevision = new AtomicLong();
  private final java.util.Set<WatchQueue> watches = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private EtcdStore(List<String> endpoints, StoreOptions options, Client client) {
    this.endpoints = endpoints;
    this.options = options;
    this.client = client;
    this.kv = client.getKVClient();
  }

  /** Connects to etcd at {@code endpoints} (http://host:port) and checks that it answers. */
  public static EtcdStore connect(List<String> endpoints, StoreOptions options) {
    Client client = Client.builder().endpoints(endpoints.toArray(String[]::new))
        .connectTimeout(Duration.ofSeconds(5)).build();
    EtcdStore store = new EtcdStore(endpoints, options, client);
    try {
      long revision = store.currentRevision();
      log.info("connected to etcd endpoints={} revision={}", endpoints, revision);
    } catch (StoreException e) {
      client.close();
      throw e;
    }
    return store;
  }

  // ---- reads ----

  @Override
  public Optional<KeyValue> get(String key, long revision) {
    GetOption.Builder opt = GetOption.builder();
    if (revision > 0) {
      opt.withRevision(revision);
    }
    GetResponse r = await(kv.get(bytes(key), opt.build()), revision);
    return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(toKeyValue(r.getKvs().get(0)));
  }

  @Override
  public ListResult list(String prefix, String startAfter, long revision, int limit) {
    // A key after startAfter in byte order starts with startAfter + NUL, etcd's own successor.
    ByteSequence start = startAfter == null || startAfter.isEmpty() || startAfter.compareTo(prefix) < 0
        ? bytes(prefix) : ByteSequence.from((startAfter + "\0").getBytes(StandardCharsets.UTF_8));
    GetOption.Builder opt = GetOption.builder().withRange(prefixEnd(prefix))
        .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
    if (limit > 0) {
      opt.withLimit(limit);
    }
    if (revision > 0) {
      opt.withRevision(revision);
    }
    GetResponse r = await(kv.get(start, opt.build()), revision);
    List<KeyValue> items = r.getKvs().stream().map(EtcdStore::toKeyValue).toList();
    long at = revision > 0 ? revision : r.getHeader().getRevision();
    return new ListResult(items, at, r.isMore());
  }

  @Override
  public long count(String prefix) {
    GetOption opt = GetOption.builder().withRange(prefixEnd(prefix)).withCountOnly(true).build();
    return await(kv.get(bytes(prefix), opt), 0).getCount();
  }

  @Override
  public long currentRevision() {
    // A count-only read of one improbable key is the cheapest request that carries a header revision.
    GetOption opt = GetOption.builder().withCountOnly(true).build();
    return await(kv.get(bytes("\0gubernator-revision-probe"), opt), 0).getHeader().getRevision();
  }

  /**
   * etcd does not report its compact revision, but a read below it fails, so the lowest readable
   * revision is found by binary search between the last known value and the current revision.
   */
  @Override
  public long compactRevision() {
    long lo = knownCompactRevision.get();
    long hi = currentRevision();
    ByteSequence probe = bytes("\0gubernator-compaction-probe");
    if (lo == 0) {
      if (readable(probe, 1)) {
        return 0;
      }
      lo = 1;
    }
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (readable(probe, mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    final long found = lo;
    knownCompactRevision.accumulateAndGet(found, Math::max);
    return found;
  }

  private boolean readable(ByteSequence probe, long revision) {
    try {
      await(kv.get(probe, GetOption.builder().withCountOnly(true).withRevision(revision).build()), revision);
      return true;
    } catch (StoreException.Compacted e) {
      return false;
    }
  }

  // ---- writes ----

  @Override
  public KeyValue create(String key, byte[] value, long ttlSeconds) {
    checkWrite(key, value);
    ByteSequence k = bytes(key);
    TxnResponse r = await(kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(Op.put(k, ByteSequence.from(value), putOption(ttlSeconds)))
        .commit(), 0);
    if (!r.isSucceeded()) {
      throw new StoreException.AlreadyExists(key);
    }
    long rev = r.getHeader().getRevision();
    return new KeyValue(key, value.clone(), rev, rev, 1);
  }

  @Override
  public KeyValue update(String key, byte[] value, long expectedModRevision, long ttlSeconds) {
    checkWrite(key, value);
    ByteSequence k = bytes(key);
    TxnResponse r = await(kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
        .Then(Op.put(k, ByteSequence.from(value), putOption(ttlSeconds)))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit(), 0);
    if (!r.isSucceeded()) {
      throw conflictOrNotFound(key, r);
    }
    PutResponse put = r.getPutResponses().get(0);
    long rev = r.getHeader().getRevision();
    if (!put.hasPrevKv()) {
      // Unreachable while the compare holds: a matching mod revision means the key existed.
      throw new StoreException.Unavailable("etcd put of " + key + " returned no previous value", null);
    }
    io.etcd.jetcd.KeyValue prev = put.getPrevKv();
    return new KeyValue(key, value.clone(), prev.getCreateRevision(), rev, prev.getVersion() + 1);
  }

  @Override
  public DeleteResult delete(String key, long expectedModRevision) {
    checkOpen();
    ByteSequence k = bytes(key);
    Cmp condition = expectedModRevision == 0
        ? new Cmp(k, Cmp.Op.GREATER, CmpTarget.version(0))
        : new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision));
    TxnResponse r = await(kv.txn()
        .If(condition)
        .Then(Op.delete(k, DeleteOption.builder().withPrevKV(true).build()))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit(), 0);
    if (!r.isSucceeded()) {
      throw conflictOrNotFound(key, r);
    }
    List<io.etcd.jetcd.KeyValue> prev = r.getDeleteResponses().get(0).getPrevKvs();
    if (prev.isEmpty()) {
      throw new StoreException.NotFound(key);
    }
    return new DeleteResult(toKeyValue(prev.get(0)), r.getHeader().getRevision());
  }

  private static StoreException conflictOrNotFound(String key, TxnResponse r) {
    List<io.etcd.jetcd.KeyValue> current = r.getGetResponses().isEmpty() ? List.of() : r.getGetResponses().get(0).getKvs();
    return current.isEmpty() ? new StoreException.NotFound(key) : new StoreException.Conflict(key, toKeyValue(current.get(0)));
  }

  private PutOption putOption(long ttlSeconds) {
    PutOption.Builder opt = PutOption.builder().withPrevKV();
    if (ttlSeconds > 0) {
      opt.withLeaseId(await(client.getLeaseClient().grant(ttlSeconds), 0).getID());
    }
    return opt.build();
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

  @Override
  public void compact(long revision) {
    try {
      await(kv.compact(revision, CompactOption.builder().withCompactPhysical(true).build()), revision);
      knownCompactRevision.accumulateAndGet(revision, Math::max);
    } catch (StoreException.Compacted e) {
      // Already compacted at or beyond this revision: the outcome the caller asked for.
    }
  }

  // ---- watches ----

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) {
    checkOpen();
    if (afterRevision > 0) {
      // etcd reports a compacted start revision only asynchronously; a read at the revision fails
      // synchronously, as the contract wants.
      // A start revision in the future is fine for a watch, and cannot be compacted either.
      if (afterRevision <= currentRevision()) {
        GetOption probe = GetOption.builder().withCountOnly(true).withRevision(afterRevision).build();
        await(kv.get(bytes("\0gubernator-compaction-probe"), probe), afterRevision);
      }
    }
    io.etcd.jetcd.Watch.Watcher[] etcdWatch = new io.etcd.jetcd.Watch.Watcher[1];
    WatchQueue[] self = new WatchQueue[1];
    WatchQueue queue = WatchQueue.start(prefix, options.watchQueueCapacity(), listener, null, () -> {
      if (self[0] != null) {
        watches.remove(self[0]);
      }
      io.etcd.jetcd.Watch.Watcher w = etcdWatch[0];
      if (w != null) {
        w.close();
      }
    });
    WatchOption opt = WatchOption.builder().withRange(prefixEnd(prefix)).withPrevKV(true)
        // etcd's start revision is inclusive; ours is exclusive. 0 asks etcd for "from now".
        .withRevision(afterRevision == 0 ? 0 : afterRevision + 1).build();
    etcdWatch[0] = client.getWatchClient().watch(bytes(prefix), opt, new io.etcd.jetcd.Watch.Listener() {
      @Override
      public void onNext(WatchResponse response) {
        List<Event> events = new ArrayList<>(response.getEvents().size());
        for (WatchEvent e : response.getEvents()) {
          events.add(toEvent(e));
        }
        if (!events.isEmpty() && !queue.offer(events)) {
          etcdWatch[0].close();
        }
      }

      @Override
      public void onError(Throwable t) {
        RuntimeException error = translate(t, afterRevision);
        queue.fail(error instanceof StoreException se ? se
            : new StoreException.Unavailable("etcd watch on " + prefix + " failed: " + error.getMessage(), error));
      }

      @Override
      public void onCompleted() {
        queue.fail(new StoreException.Unavailable("etcd ended the watch on " + prefix, null));
      }
    });
    self[0] = queue;
    watches.add(queue);
    if (queue.isOver()) {
      etcdWatch[0].close();
      watches.remove(queue);
    }
    return queue;
  }

  private static Event toEvent(WatchEvent e) {
    String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
    long revision = e.getKeyValue().getModRevision();
    io.etcd.jetcd.KeyValue prevKv = e.getPrevKV();
    KeyValue previous = prevKv == null || prevKv.getVersion() == 0 ? null : toKeyValue(prevKv);
    return switch (e.getEventType()) {
      case PUT -> new Event(e.getKeyValue().getVersion() == 1 ? Event.Type.CREATED : Event.Type.UPDATED, key,
          revision, toKeyValue(e.getKeyValue()), previous);
      case DELETE -> new Event(Event.Type.DELETED, key, revision, null, previous);
      default -> throw new IllegalStateException("unknown etcd event type " + e.getEventType());
    };
  }

  // ---- plumbing ----

  private <T> T await(CompletableFuture<T> future, long revision) {
    checkOpen();
    try {
      return future.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable("interrupted while waiting for etcd", e);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new StoreException.Unavailable("etcd did not answer within " + REQUEST_TIMEOUT + " at " + endpoints, e);
    } catch (ExecutionException e) {
      throw translate(e.getCause(), revision);
    }
  }

  private RuntimeException translate(Throwable t, long revision) {
    if (t instanceof CompactedException c) {
      knownCompactRevision.accumulateAndGet(c.getCompactedRevision(), Math::max);
      return new StoreException.Compacted("revision " + revision + " has been compacted (compact revision "
          + c.getCompactedRevision() + ")", c.getCompactedRevision());
    }
    String message = String.valueOf(t.getMessage());
    if (message.contains("required revision has been compacted")) {
      return new StoreException.Compacted("revision " + revision + " has been compacted", knownCompactRevision.get());
    }
    if (message.contains("required revision is a future revision")) {
      return new IllegalArgumentException("revision " + revision + " is in the future");
    }
    if (message.contains("request is too large")) {
      return new StoreException.ValueTooLarge("(etcd request)", MAX_VALUE_BYTES + 1);
    }
    if (closed) {
      return new StoreException.Unavailable("store is closed", t);
    }
    return new StoreException.Unavailable("etcd at " + endpoints + " failed: " + message, t);
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException.Unavailable("store is closed", null);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** The smallest key after every key starting with {@code prefix}; "\0" means the end of the keyspace. */
  private static ByteSequence prefixEnd(String prefix) {
    byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end = Arrays.copyOf(end, i + 1);
        end[i]++;
        return ByteSequence.from(end);
      }
    }
    return ByteSequence.from(new byte[] {0});
  }

  private static KeyValue toKeyValue(io.etcd.jetcd.KeyValue kv) {
    return new KeyValue(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().getBytes(),
        kv.getCreateRevision(), kv.getModRevision(), kv.getVersion());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    StoreException closedError = new StoreException.Unavailable("store is closed", null);
    for (WatchQueue w : List.copyOf(watches)) {
      w.fail(closedError);
    }
    client.close();
    log.info("etcd store closed endpoints={}", endpoints);
  }
}
