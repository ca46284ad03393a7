package io.gubernator.api.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostAddressesTest {

  @Test
  void podBridgesAndVethsAreNeverTheHostsAddress() {
    assertThat(HostAddresses.isPodInterface("cni0")).isTrue();
    assertThat(HostAddresses.isPodInterface("veth1a2b3c")).isTrue();
    assertThat(HostAddresses.isPodInterface("eth0")).isFalse();
    // Whatever this machine has, the primary address is not loopback and not a pod range interface's.
    HostAddresses.primaryIPv4().ifPresent(ip -> assertThat(ip).doesNotStartWith("127."));
  }
}
