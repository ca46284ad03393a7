package io.gubernator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * On JDK 25 and later ./gubernator starts the server with the ahead-of-time class cache it
 * recorded after the build, and the JVM accepts it: a stale or mismatched cache is only reported
 * in the log (the JVM then starts without it), which is what this test looks for.
 */
class StartupCacheE2ETest {

  private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // the start may include a rebuild and the cache's training run
  void theServerStartsFromItsAheadOfTimeCache(@TempDir Path dataDir) throws Exception {
    assumeTrue(!"0".equals(System.getenv("GUBERNATOR_AOT")), "GUBERNATOR_AOT=0 turns the cache off");
    try (GubernatorServer server = GubernatorServer.start(dataDir, "StartupCacheE2ETest")) {
      // ./gubernator execs the JVM, so the server's pid is the java process itself.
      Path java = Files.readSymbolicLink(Path.of("/proc", Long.toString(server.pid()), "exe"));
      Matcher version = JAVA_VERSION.matcher(Files.readString(java.getParent().getParent().resolve("release")));
      assertThat(version.find()).as("JAVA_VERSION in the release file of %s", java).isTrue();
      assumeTrue(Integer.parseInt(version.group(1)) >= 25, "the cache needs JDK 25 or later");

      List<String> args = List.of(Files.readString(Path.of("/proc", Long.toString(server.pid()), "cmdline"),
          StandardCharsets.UTF_8).split("\0"));
      String cacheArg = args.stream().filter(a -> a.startsWith("-XX:AOTCache=")).findFirst().orElse(null);
      assertThat(cacheArg).as("JVM arguments %s", args).isNotNull();
      assertThat(Path.of(cacheArg.substring("-XX:AOTCache=".length()))).isRegularFile();
      assertThat(Files.readAllLines(server.log())).as("the server log").noneMatch(l -> l.matches("^\\[[^]]*\\]\\[(error|warning) *\\]\\[aot.*"));
    }
  }
}
