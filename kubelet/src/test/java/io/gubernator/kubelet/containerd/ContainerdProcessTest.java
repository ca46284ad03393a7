package io.gubernator.kubelet.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of ContainerdProcess that need no running containerd. */
class ContainerdProcessTest {

  @Test
  void configNamesEverythingUnderTheDirectory(@TempDir Path dir) {
    ContainerdConfig config = new ContainerdConfig(dir.resolve("containerd"), Path.of("/usr/lib/cni"),
        dir.resolve("net.d"), "localhost/gubernator/pause:1");
    String toml = config.toToml();
    assertThat(toml)
        .contains("version = 2")
        .contains("root = \"" + dir.resolve("containerd/root") + "\"")
        .contains("state = \"" + dir.resolve("containerd/state") + "\"")
        .contains("address = \"" + dir.resolve("containerd/containerd.sock") + "\"")
        .contains("sandbox_image = \"localhost/gubernator/pause:1\"")
        .contains("stream_server_address = \"127.0.0.1\"")
        .contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]")
        .contains("runtime_type = \"io.containerd.runc.v2\"")
        .contains("bin_dir = \"/usr/lib/cni\"")
        .contains("conf_dir = \"" + dir.resolve("net.d") + "\"");
  }

  @Test
  void oomScoreRestrictionIsWrittenAsConfigured(@TempDir Path dir) {
    assertThat(new ContainerdConfig(dir, dir, dir, "p", true).toToml()).contains("restrict_oom_score_adj = true");
    assertThat(new ContainerdConfig(dir, dir, dir, "p", false).toToml()).contains("restrict_oom_score_adj = false");
    assertThat(new ContainerdConfig(dir, dir, dir, "p").restrictOomScoreAdj())
        .isEqualTo(!ContainerdConfig.canLowerOomScoreAdj());
  }

  @Test
  void tomlStringsAreEscaped() {
    assertThat(ContainerdConfig.str("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\n\"");
  }

  @Test
  void tooLongSocketPathIsRejectedUpFront() {
    Path deep = Path.of("/tmp", "x".repeat(120));
    assertThatThrownBy(() -> new ContainerdConfig(deep, Path.of("/usr/lib/cni"), deep, "p"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unix socket");
  }

  @Test
  void missingContainerdIsAClearError(@TempDir Path dir) {
    ContainerdConfig config = new ContainerdConfig(dir, dir, dir, "p");
    assertThatThrownBy(() -> ContainerdProcess.start(config, Duration.ofSeconds(5), dir.toString()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("containerd is not on PATH")
        .hasMessageContaining("apt-get install containerd");
  }

  @Test
  void missingRuncIsAClearError(@TempDir Path dir) throws IOException {
    // A containerd that would fail at once, on a PATH without runc: the runc check comes first.
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path fake = Files.writeString(bin.resolve("containerd"), "#!/bin/sh\nexit 1\n");
    fake.toFile().setExecutable(true);
    ContainerdConfig config = new ContainerdConfig(dir.resolve("c"), dir, dir, "p");
    assertThatThrownBy(() -> ContainerdProcess.start(config, Duration.ofSeconds(5), bin.toString()))
        .isInstanceOf(IOException.class).hasMessageContaining("runc is not on PATH");
  }

  @Test
  void childPathAddsSbinOnce() {
    assertThat(ContainerdProcess.childPath("/usr/bin:/usr/sbin:/bin"))
        .isEqualTo("/usr/bin:/usr/sbin:/bin:/usr/local/sbin:/sbin");
  }

  @Test
  void answersIsFalseForNoSocket(@TempDir Path dir) {
    assertThat(ContainerdProcess.answers(dir.resolve("none.sock"))).isFalse();
  }
}
