package io.gubernator.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gubernator.api.serialization.Json;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tree comparisons of the update path and the timestamp fast path of the decoder. */
class UpdateComparisonsTest {

  private static ObjectNode obj(String json) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(json);
  }

  @Test
  void noOpIgnoresOnlyTheResourceVersion() throws Exception {
    ObjectNode a = obj("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"5\"},\"spec\":{\"a\":1},\"status\":{\"s\":1}}");
    assertThat(GenericRegistry.sameIgnoringResourceVersion(a,
        obj("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"7\"},\"spec\":{\"a\":1},\"status\":{\"s\":1}}"))).isTrue();
    assertThat(GenericRegistry.sameIgnoringResourceVersion(a,
        obj("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"a\":1},\"status\":{\"s\":1}}"))).isTrue();
    assertThat(GenericRegistry.sameIgnoringResourceVersion(a,
        obj("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"5\",\"labels\":{\"l\":\"v\"}},\"spec\":{\"a\":1},\"status\":{\"s\":1}}"))).isFalse();
    assertThat(GenericRegistry.sameIgnoringResourceVersion(a,
        obj("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"5\"},\"spec\":{\"a\":1},\"status\":{\"s\":2}}"))).isFalse();
    assertThat(GenericRegistry.sameIgnoringResourceVersion(a,
        obj("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"5\"},\"spec\":{\"a\":1}}"))).isFalse();
    assertThat(GenericRegistry.sameIgnoringResourceVersion(a,
        obj("{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"5\"},\"spec\":{\"a\":1},\"status\":{\"s\":1},\"extra\":1}"))).isFalse();
  }

  @Test
  void specChangeIgnoresMetadataAndStatus() throws Exception {
    ObjectNode a = obj("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"a\":1},\"status\":{\"s\":1}}");
    assertThat(GenericRegistry.specChanged(a, obj("{\"metadata\":{\"name\":\"x\",\"labels\":{\"l\":\"v\"}},\"spec\":{\"a\":1}}"))).isFalse();
    assertThat(GenericRegistry.specChanged(a, obj("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"a\":2},\"status\":{\"s\":1}}"))).isTrue();
    assertThat(GenericRegistry.specChanged(a, obj("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"a\":1},\"template\":{}}"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z", "2026-11-22T10:32:07Z"})
  void canonicalTimestampsPassTheFastPath(String t) {
    assertThat(ObjectCodec.isCanonicalUtc(t)).isTrue();
    OffsetDateTime.parse(t); // and the full parser agrees
  }

  @ParameterizedTest
  @ValueSource(strings = {"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z",
      "2024-01-01 00:00:00Z", "2024-01-01T00:00:00+01:00", "2024-01-01T00:00:00.5Z", "yesterday", "2024-0a-01T00:00:00Z"})
  void everythingElseGoesToTheFullParser(String t) {
    assertThat(ObjectCodec.isCanonicalUtc(t)).isFalse();
  }
}
