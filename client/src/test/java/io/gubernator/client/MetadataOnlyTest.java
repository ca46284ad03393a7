package io.gubernator.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class MetadataOnlyTest {

  @Test
  void listsAndWatchesOfCollectionsAskForPartialMetadata() {
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/api/v1/pods?resourceVersion=0"))).isEqualTo(MetadataOnly.LIST);
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/api/v1/namespaces/a/pods?limit=500"))).isEqualTo(MetadataOnly.LIST);
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/api/v1/namespaces"))).isEqualTo(MetadataOnly.LIST);
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/apis/apps/v1/deployments?watch=true&resourceVersion=5")))
        .isEqualTo(MetadataOnly.OBJECT);
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/apis/apps/v1/namespaces/a/replicasets?allowWatchBookmarks=true&watch=true")))
        .isEqualTo(MetadataOnly.OBJECT);
  }

  @Test
  void singleObjectsWritesAndOtherPathsAreLeftAlone() {
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/api/v1/namespaces/a/pods/p"))).isNull();
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/api/v1/namespaces/a"))).isNull();
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/api/v1/nodes/n"))).isNull();
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/apis/apps/v1/namespaces/a/deployments/d"))).isNull();
    assertThat(MetadataOnly.accept("PUT", URI.create("https://h/api/v1/namespaces/a/pods"))).isNull();
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/apis/apps/v1"))).isNull();
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/version"))).isNull();
    assertThat(MetadataOnly.accept("GET", URI.create("https://h/api/v1/namespaces/a/pods/p/log"))).isNull();
  }
}
