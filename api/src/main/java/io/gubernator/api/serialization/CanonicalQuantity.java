package io.gubernator.api.serialization;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import io.fabric8.kubernetes.api.model.Quantity;
import io.gubernator.api.resource.Quantities;
import java.io.IOException;

/**
 * Decodes a {@link Quantity} the way Kubernetes' {@code Quantity.UnmarshalJSON} does: a string or a
 * bare number, parsed strictly (a malformed one fails the whole decode with apimachinery's message)
 * and kept in canonical form, which is what the server then stores and returns.
 */
final class CanonicalQuantity extends StdDeserializer<Quantity> {

  /** Mixed into fabric8's Quantity, whose own annotation would otherwise win over a module. */
  @JsonDeserialize(using = CanonicalQuantity.class)
  abstract static class MixIn {}

  CanonicalQuantity() {
    super(Quantity.class);
  }

  @Override
  public Quantity deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      return (Quantity) ctxt.handleUnexpectedToken(Quantity.class, p);
    }
    String text = p.getText().trim();
    String canonical;
    try {
      canonical = Quantities.canonical(text);
    } catch (IllegalArgumentException e) {
      throw JsonMappingException.from(p, e.getMessage());
    }
    int split = canonical.length();
    while (split > 0 && !Character.isDigit(canonical.charAt(split - 1))) split--;
    // fabric8 keeps the number and the suffix apart; an exponent stays with the number.
    return new Quantity(canonical.substring(0, split), canonical.substring(split));
  }
}
