package io.gubernator.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerOptionsTest {

  @Test
  void controllersFlagReadsAsKubeControllerManagers() {
    var all = ControllerManager.Options.defaults();
    assertThat(ControllerManager.NAMES).allMatch(all::enabled);
    var most = all.withControllers(List.of("*", "-nodelifecycle", "-nodeipam"));
    assertThat(most.enabled("replicaset")).isTrue();
    assertThat(most.enabled("nodelifecycle")).isFalse();
    assertThat(most.enabled("nodeipam")).isFalse();
    var few = all.withControllers(List.of("namespace", "deployment"));
    assertThat(few.enabled("deployment")).isTrue();
    assertThat(few.enabled("replicaset")).isFalse();
    assertThatThrownBy(() -> all.withControllers(List.of("*", "-nodelifecyle"))).hasMessageContaining("unknown controller \"nodelifecyle\"");
  }
}
