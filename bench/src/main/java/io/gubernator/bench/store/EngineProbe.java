package io.gubernator.bench.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The measurement behind the embedded store's engine: the store's write shape (one durable commit
 * of a batch of log records keyed by revision) on RocksDB, SQLite (WAL, synchronous=FULL) and H2
 * MVStore (commit plus sync), single-threaded as the store's committer is.
 *
 *   java -cp ... io.gubernator.bench.store.EngineProbe [seconds-per-case]
 */
public final class EngineProbe {
  private EngineProbe() {}

  interface Engine extends AutoCloseable {
    void commit(long firstKey, int records, byte[] value) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    byte[] value = new byte[256];
    Arrays.fill(value, (byte) 'v');
    System.out.printf(Locale.ROOT, "%-8s %6s %14s %14s%n", "engine", "batch", "commits/s", "records/s");
    for (String engine : new String[] {"rocksdb", "sqlite", "h2"}) {
      for (int batch : new int[] {1, 16, 64}) {
        Path dir = Files.createTempDirectory("engine-probe-");
        try (Engine e = open(engine, dir)) {
          long key = 0;
          long commits = 0;
          long deadline = System.nanoTime() + (long) (seconds * 1e9);
          long started = System.nanoTime();
          while (System.nanoTime() < deadline) {
            e.commit(key, batch, value);
            key += batch;
            commits++;
          }
          double elapsed = (System.nanoTime() - started) / 1e9;
          System.out.printf(Locale.ROOT, "%-8s %6d %14.0f %14.0f%n", engine, batch, commits / elapsed, key / elapsed);
        } finally {
          try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
    }
  }

  private static byte[] key(long k) {
    return java.nio.ByteBuffer.allocate(8).putLong(k).array();
  }

  private static Engine open(String engine, Path dir) throws Exception {
    return switch (engine) {
      case "rocksdb" -> {
        RocksDB.loadLibrary();
        Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, dir.toString());
        WriteOptions sync = new WriteOptions().setSync(true);
        yield new Engine() {
          public void commit(long first, int n, byte[] value) throws Exception {
            try (WriteBatch b = new WriteBatch()) {
              for (int i = 0; i < n; i++) {
                b.put(key(first + i), value);
              }
              db.write(sync, b);
            }
          }

          public void close() {
            sync.close();
            db.close();
            options.close();
          }
        };
      }
      case "sqlite" -> {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("log.db"));
        try (Statement s = c.createStatement()) {
          s.execute("PRAGMA journal_mode=WAL");
          s.execute("PRAGMA synchronous=FULL");
          s.execute("CREATE TABLE log (rev INTEGER PRIMARY KEY, data BLOB)");
        }
        c.setAutoCommit(false);
        PreparedStatement insert = c.prepareStatement("INSERT INTO log VALUES (?, ?)");
        yield new Engine() {
          public void commit(long first, int n, byte[] value) throws Exception {
            for (int i = 0; i < n; i++) {
              insert.setLong(1, first + i);
              insert.setBytes(2, value);
              insert.addBatch();
            }
            insert.executeBatch();
            c.commit();
          }

          public void close() throws Exception {
            c.close();
          }
        };
      }
      case "h2" -> {
        MVStore store = new MVStore.Builder().fileName(dir.resolve("log.mv").toString()).autoCommitDisabled().open();
        MVMap<Long, byte[]> map = store.openMap("log");
        yield new Engine() {
          public void commit(long first, int n, byte[] value) {
            for (int i = 0; i < n; i++) {
              map.put(first + i, value);
            }
            store.commit();
            store.sync();
          }

          public void close() {
            store.close();
          }
        };
      }
      default -> throw new IllegalArgumentException(engine);
    };
  }
}
