package io.gubernator.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gubernator.api.errors.StatusException;
import org.junit.jupiter.api.Test;

class NegotiationTest {

  static final String PB = "application/vnd.kubernetes.protobuf";

  @Test
  void protobufWhenItIsTheFirstAcceptableType() {
    ResourceHandler.Output o = ResourceHandler.negotiate(PB + ",application/json", true);
    assertThat(o.protobuf()).isTrue();
    assertThat(o.fallback()).isEqualTo(ResourceHandler.Output.JSON);
    assertThat(ResourceHandler.negotiate(PB + ";stream=watch", true).protobuf()).isTrue();
    assertThat(ResourceHandler.negotiate(PB, true).fallback()).isNull();
    assertThat(ResourceHandler.negotiate("application/json, " + PB, true).protobuf()).isFalse();
    assertThat(ResourceHandler.negotiate("*/*", true).protobuf()).isFalse();
    assertThat(ResourceHandler.negotiate(null, true).protobuf()).isFalse();
  }

  @Test
  void tablesAreNeverProtobuf() {
    ResourceHandler.Output o = ResourceHandler.negotiate(PB + ";as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io", true);
    assertThat(o.table()).isTrue();
    assertThat(o.protobuf()).isFalse();
  }

  @Test
  void kindsWithoutMessagesFallBackOrAre406() {
    assertThat(ResourceHandler.negotiate(PB + ", application/yaml", false).yaml()).isTrue();
    assertThatThrownBy(() -> ResourceHandler.negotiate(PB, false))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(406));
  }

  @Test
  void protobufOnlyClientsGetProtobufErrors() {
    assertThat(Responses.protobufOnly(PB)).isTrue();
    assertThat(Responses.protobufOnly(PB + ";stream=watch")).isTrue();
    assertThat(Responses.protobufOnly(PB + ", application/json")).isFalse();
    assertThat(Responses.protobufOnly(PB + ", */*")).isFalse();
    assertThat(Responses.protobufOnly(null)).isFalse();
  }
}
