package io.gubernator.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.gubernator.store.Store;
import io.gubernator.store.Store.KeyValue;
import io.gubernator.store.StoreOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills a writing JVM with SIGKILL at random moments and checks that every write it saw
 * acknowledged survives, with an unbroken revision sequence.
 */
class CrashSafetyTest {
  private static final Logger log = LoggerFactory.getLogger(CrashSafetyTest.class);
  private static final int ROUNDS = 5;

  @TempDir
  Path tempDir;

  @Test
  void acknowledgedWritesSurviveSigkillWithoutRevisionGaps() throws Exception {
    Path dir = tempDir.resolve("store");
    Random random = new Random();
    long previousRevision = 0;
    for (int round = 0; round < ROUNDS; round++) {
      int killAfterMillis = 200 + random.nextInt(1300);
      List<String> acks = runAndKill(dir, killAfterMillis);

      Map<String, Long> acknowledged = new HashMap<>();
      for (String line : acks) {
        String[] parts = line.split(" ");
        if (parts.length == 3 && parts[0].equals("ACK")) {
          acknowledged.put(parts[2], Long.parseLong(parts[1]));
        }
      }
      try (Store store = EmbeddedStore.open(dir, StoreOptions.defaults())) {
        long current = store.currentRevision();
        List<KeyValue> all = store.list("/crash/", null, 0, 0).items();
        log.info("crash round={} killAfterMillis={} acknowledged={} recovered={} revision={}", round,
            killAfterMillis, acknowledged.size(), all.size(), current);
        assertThat(acknowledged).as("the child acknowledged writes before being killed").isNotEmpty();

        Map<String, KeyValue> byKey = new HashMap<>();
        all.forEach(kv -> byKey.put(kv.key(), kv));
        acknowledged.forEach((key, revision) -> {
          KeyValue kv = byKey.get(key);
          assertThat(kv).as("acknowledged write %s at %d", key, revision).isNotNull();
          assertThat(kv.modRevision()).isEqualTo(revision);
          assertThat(new String(kv.value(), StandardCharsets.UTF_8)).isEqualTo(key);
        });
        // Every write here is a create of a new key, so the live keys' revisions are every revision.
        List<Long> revisions = all.stream().map(KeyValue::modRevision).sorted().toList();
        assertThat(revisions).containsExactlyElementsOf(LongStream.rangeClosed(1, current).boxed().toList());
        assertThat(current).isGreaterThan(previousRevision);
        previousRevision = current;
      }
    }
  }

  private List<String> runAndKill(Path dir, int killAfterMillis) throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CrashWriter.class.getName(), dir.toString(), "8")
        .redirectError(tempDir.resolve("child-stderr.log").toFile())
        .start();
    try {
      List<String> lines = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> ready = new CompletableFuture<>();
      Thread reader = Thread.ofPlatform().start(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("READY")) {
              ready.complete(null);
            } else {
              lines.add(line);
            }
          }
        } catch (java.io.IOException e) {
          ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException("child exited before it was ready"));
      });
      ready.get(30, TimeUnit.SECONDS);
      Thread.sleep(killAfterMillis);
      child.destroyForcibly();
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      reader.join(10_000);
      return new ArrayList<>(lines);
    } finally {
      child.destroyForcibly();
    }
  }
}
