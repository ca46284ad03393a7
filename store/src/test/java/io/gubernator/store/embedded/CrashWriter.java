package io.gubernator.store.embedded;

import io.gubernator.store.Store;
import io.gubernator.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child process of {@link CrashSafetyTest}: writes from several threads as fast as it can and
 * prints "ACK revision key" only after the store acknowledged the write, until it is killed.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    Store store = EmbeddedStore.open(dir, StoreOptions.defaults());
    long start = store.currentRevision();
    System.out.println("READY " + start);
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread.ofPlatform().start(() -> {
        for (long n = 0; ; n++) {
          String key = "/crash/" + start + "/t" + thread + "/" + n;
          Store.KeyValue kv = store.create(key, key.getBytes(StandardCharsets.UTF_8), 0);
          synchronized (System.out) {
            System.out.println("ACK " + kv.modRevision() + " " + key);
          }
        }
      });
    }
  }
}
