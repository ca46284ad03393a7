package io.gubernator.api.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonMappingException;
import io.fabric8.kubernetes.api.model.Pod;
import io.gubernator.api.serialization.Json;
import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class QuantitiesTest {

  /** Pairs checked against apimachinery's Quantity.String() behaviour. */
  @ParameterizedTest
  @CsvSource({
      "0.5, 500m", "1000m, 1", "2000M, 2G", "1048576, 1048576", "1.5Gi, 1536Mi", "100Mi, 100Mi",
      "1024, 1024", "1Ki, 1Ki", "2048Ki, 2Mi", "0.1Ki, 102400m", "512Ki, 512Ki", "1023Ki, 1023Ki",
      "2e6, 2e6", "1.5e3, 1500", "12e-3, 12e-3", "0, 0", "0m, 0", "-1, -1", "-0.5, -500m", "+2, 2",
      "1.0, 1", "100m, 100m", "0.0000000001, 1n", "-0.0000000001, -1n", "1.5k, 1500", "10k, 10k",
      "1E, 1E", "1000E, 1e21", ".5, 500m", "5., 5", "-2Ki, -2Ki", "1500Mi, 1500Mi", "0.5Gi, 512Mi"})
  void canonicalForm(String in, String canonical) {
    assertEquals(canonical, Quantities.canonical(in));
  }

  @Test
  void valuesAndFormats() {
    assertEquals(0, new BigDecimal("1610612736").compareTo(Quantities.parse("1.5Gi").value()));
    assertEquals(Quantities.Format.BINARY_SI, Quantities.parse("1.5Gi").format());
    assertEquals(Quantities.Format.DECIMAL_EXPONENT, Quantities.parse("3e2").format());
    assertEquals(Quantities.Format.DECIMAL_SI, Quantities.parse("3").format());
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "", "1 m", "1mm1x", "--1", "1.2.3", "x1"})
  void malformedIsTheRegexMessage(String in) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantities.parse(in));
    assertEquals(Quantities.FORMAT_WRONG, e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"1mi", "1iK", "5e", "1Gii", "2kM"})
  void unknownSuffix(String in) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantities.parse(in));
    assertEquals(Quantities.SUFFIX, e.getMessage());
  }

  @Test
  void hostileSizesAreRefusedCheaply() {
    assertThrows(IllegalArgumentException.class, () -> Quantities.parse("1".repeat(100_000)));
    assertThrows(IllegalArgumentException.class, () -> Quantities.parse("1e999999999"));
  }

  @Test
  void decodedObjectsCarryCanonicalQuantitiesAndRefuseMalformedOnes() throws Exception {
    String pod = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"q"},"spec":{"containers":[{"name":"c","image":"i",
         "resources":{"requests":{"cpu":"0.5","memory":1048576,"ephemeral-storage":" 1.5Gi "},
                      "limits":{"cpu":2,"memory":"2e6"}}}]}}""";
    Pod p = Json.MAPPER.readValue(pod, Pod.class);
    var r = p.getSpec().getContainers().get(0).getResources();
    var json = Json.MAPPER.valueToTree(r);
    assertEquals("500m", json.at("/requests/cpu").asText());
    assertEquals("1048576", json.at("/requests/memory").asText());
    assertEquals("1536Mi", json.at("/requests/ephemeral-storage").asText());
    assertEquals("2", json.at("/limits/cpu").asText());
    assertEquals("2e6", json.at("/limits/memory").asText());
    assertEquals(0, new BigDecimal("0.5").compareTo(r.getRequests().get("cpu").getNumericalAmount()));
    JsonMappingException e = assertThrows(JsonMappingException.class,
        () -> Json.MAPPER.readValue(pod.replace("\"0.5\"", "\"abc\""), Pod.class));
    assertEquals(Quantities.FORMAT_WRONG, e.getOriginalMessage());
    assertThrows(JsonMappingException.class, () -> Json.MAPPER.readValue(pod.replace("\"0.5\"", "true"), Pod.class));
  }
}
