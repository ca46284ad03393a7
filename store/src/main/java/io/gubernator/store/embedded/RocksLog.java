package io.gubernator.store.embedded;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gubernator.store.embedded.proto.LogRecord;
import io.gubernator.store.embedded.proto.Meta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The durable side of the embedded store: a log of committed writes keyed by revision (8-byte
 * big-endian, so RocksDB's bytewise order is revision order) plus one meta record. Every append is
 * one synced WriteBatch, so a batch is either wholly durable or absent after a crash.
 */
final class RocksLog implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] META_KEY = "meta".getBytes(StandardCharsets.UTF_8);
  private static final byte[] LOG_CF = "log".getBytes(StandardCharsets.UTF_8);

  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final RocksDB db;
  private final ColumnFamilyHandle defaultCf;
  private final ColumnFamilyHandle logCf;
  private final WriteOptions syncWrite;

  private RocksLog(DBOptions dbOptions, ColumnFamilyOptions cfOptions, RocksDB db, List<ColumnFamilyHandle> handles) {
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.db = db;
    this.defaultCf = handles.get(0);
    this.logCf = handles.get(1);
    this.syncWrite = new WriteOptions().setSync(true);
  }

  static RocksLog open(Path dir) throws RocksDBException, java.io.IOException {
    Files.createDirectories(dir);
    DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setKeepLogFileNum(5);
    ColumnFamilyOptions cfOptions = new ColumnFamilyOptions();
    List<ColumnFamilyDescriptor> descriptors = List.of(
        new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
        new ColumnFamilyDescriptor(LOG_CF, cfOptions));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    return new RocksLog(dbOptions, cfOptions, db, handles);
  }

  Meta readMeta() throws RocksDBException, InvalidProtocolBufferException {
    byte[] raw = db.get(defaultCf, META_KEY);
    return raw == null ? Meta.getDefaultInstance() : Meta.parseFrom(raw);
  }

  /** Replays the log in revision order. */
  void replay(Consumer<LogRecord> action) throws InvalidProtocolBufferException {
    try (RocksIterator it = db.newIterator(logCf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        action.accept(LogRecord.parseFrom(it.value()));
      }
    }
  }

  /** Durably appends {@code records} and the new meta as one synced batch. */
  void append(List<LogRecord> records, Meta meta) throws RocksDBException {
    try (WriteBatch batch = new WriteBatch()) {
      for (LogRecord r : records) {
        batch.put(logCf, revisionKey(r.getRevision()), r.toByteArray());
      }
      batch.put(defaultCf, META_KEY, meta.toByteArray());
      db.write(syncWrite, batch);
    }
  }

  /** Durably deletes the records of compacted revisions and records the new meta. */
  void compact(List<Long> revisions, Meta meta) throws RocksDBException {
    try (WriteBatch batch = new WriteBatch()) {
      for (long r : revisions) {
        batch.delete(logCf, revisionKey(r));
      }
      batch.put(defaultCf, META_KEY, meta.toByteArray());
      db.write(syncWrite, batch);
    }
  }

  private static byte[] revisionKey(long revision) {
    return ByteBuffer.allocate(Long.BYTES).putLong(revision).array();
  }

  @Override
  public void close() {
    syncWrite.close();
    logCf.close();
    defaultCf.close();
    db.close();
    cfOptions.close();
    dbOptions.close();
  }
}
