package io.gubernator.controllers.nodeipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterCidrTest {

  @Test
  void blocksAreHandedOutInOrderSkippingUsedOnes() {
    ClusterCidr cidr = ClusterCidr.parse("10.42.0.0/16", 24);
    assertThat(cidr.blocks()).isEqualTo(256);
    assertThat(cidr.firstFree(Set.of())).isEqualTo("10.42.0.0/24");
    assertThat(cidr.firstFree(Set.of("10.42.0.0/24", "10.42.1.0/24", "10.244.0.0/24"))).isEqualTo("10.42.2.0/24");
    assertThat(cidr.block(255)).isEqualTo("10.42.255.0/24");
    assertThat(cidr.toString()).isEqualTo("10.42.0.0/16");
  }

  @Test
  void anExhaustedRangeHasNoBlockAndBadInputIsRefused() {
    ClusterCidr tiny = ClusterCidr.parse("10.0.0.7/23", 24);
    assertThat(tiny.block(0)).isEqualTo("10.0.0.0/24");
    assertThat(tiny.firstFree(Set.of("10.0.0.0/24", "10.0.1.0/24"))).isNull();
    assertThatThrownBy(() -> ClusterCidr.parse("10.0.0.0", 24)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClusterCidr.parse("10.0.0.0/25", 24)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ClusterCidr.parse("10.0.300.0/16", 24)).isInstanceOf(IllegalArgumentException.class);
  }
}
