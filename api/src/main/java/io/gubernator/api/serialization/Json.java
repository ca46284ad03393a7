package io.gubernator.api.serialization;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.gubernator.api.errors.StatusException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON and YAML mappers every component shares. They are strict the way Kubernetes' decoder
 * is: no coercion of strings into numbers or booleans, duplicate keys rejected, bounded nesting.
 */
public final class Json {

  /** Deeper than any real object; hostile inputs beyond it are rejected instead of overflowing the stack. */
  public static final int MAX_NESTING = 1000;

  /**
   * Jackson's buffers, recycled across threads. Its default pool keeps them per thread, and the
   * API server serves each request on a new virtual thread, so every request allocated them anew
   * (8 to 16 KB per object written, a tenth of the server's allocation under load).
   */
  private static final RecyclerPool<BufferRecycler> BUFFERS = JsonRecyclerPools.sharedConcurrentDequePool();

  public static final ObjectMapper MAPPER = configure(JsonMapper.builder(JsonFactory.builder().recyclerPool(BUFFERS).build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .build());

  public static final ObjectMapper YAML = configure(YAMLMapper.builder(YAMLFactory.builder()
          .recyclerPool(BUFFERS)
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .build())
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .build());

  private static ObjectMapper configure(ObjectMapper mapper) {
    // MicroTime fields (Lease renewTime/acquireTime, events.k8s.io eventTime) are ZonedDateTime in
    // the fabric8 model, with a @JsonFormat pattern; without this module no Lease can be decoded.
    mapper.registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule());
    mapper.addMixIn(io.fabric8.kubernetes.api.model.Quantity.class, CanonicalQuantity.MixIn.class);
    mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(MAX_NESTING)
        .maxStringLength(8 * 1024 * 1024)
        .build());
    mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    mapper.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);
    mapper.configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);
    mapper.configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false);
    for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
      mapper.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  private Json() {}

  /** Parses a JSON object; anything else (array, scalar, malformed, trailing garbage) is a 400. */
  public static ObjectNode parseObject(byte[] body) {
    return asObject(readTree(MAPPER, body, "json"));
  }

  /** Parses one YAML document holding an object. */
  public static ObjectNode parseYamlObject(byte[] body) {
    return asObject(readTree(YAML, body, "yaml"));
  }

  private static JsonNode readTree(ObjectMapper mapper, byte[] body, String what) {
    try {
      JsonNode node = mapper.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw StatusException.badRequest("Object 'Kind' is missing in '" + new String(body, 0, Math.min(body.length, 200)) + "'");
      }
      return node;
    } catch (StatusException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw StatusException.badRequest("error decoding " + what + ": " + conciseMessage(e));
    } catch (StackOverflowError e) {
      throw StatusException.badRequest("error decoding " + what + ": nesting too deep");
    }
  }

  private static ObjectNode asObject(JsonNode node) {
    if (!(node instanceof ObjectNode object)) {
      throw StatusException.badRequest("couldn't get version/kind; json parse error: cannot unmarshal "
          + node.getNodeType().name().toLowerCase() + " into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }");
    }
    return object;
  }

  /** The first line of a Jackson message, without its source-location noise. */
  public static String conciseMessage(Exception e) {
    String message = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    if (message == null) return e.getClass().getSimpleName();
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] yamlBytes(Object value) {
    try {
      return YAML.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
