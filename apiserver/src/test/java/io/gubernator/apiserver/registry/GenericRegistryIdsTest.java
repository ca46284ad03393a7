package io.gubernator.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class GenericRegistryIdsTest {

  @Test
  void uidsAreRandomVersion4UuidsInCanonicalForm() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String uid = GenericRegistry.newUid();
      assertTrue(uid.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), uid);
      UUID parsed = UUID.fromString(uid);
      assertEquals(4, parsed.version());
      assertEquals(2, parsed.variant());
      assertTrue(seen.add(uid), "duplicate uid " + uid);
    }
  }

  @Test
  void nowIsTheCurrentSecondInRfc3339() {
    long before = Instant.now().getEpochSecond();
    String now = GenericRegistry.now();
    long after = Instant.now().getEpochSecond();
    assertTrue(now.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z"), now);
    long parsed = Instant.parse(now).getEpochSecond();
    assertTrue(parsed >= before && parsed <= after, now);
  }
}
