package io.gubernator.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorsTest {

  private static final Map<String, String> WEB = Map.of("app", "web", "tier", "front");

  private static LabelSelector expression(String key, String operator, String... values) {
    return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(operator).withValues(List.of(values))
        .endMatchExpression().build();
  }

  static Stream<Arguments> cases() {
    Map<String, String> nullLabels = null;
    return Stream.of(
        Arguments.of("null selector matches nothing", null, WEB, false),
        Arguments.of("empty selector matches everything", new LabelSelector(), WEB, true),
        Arguments.of("empty selector matches no labels", new LabelSelector(), nullLabels, true),
        Arguments.of("matchLabels all present", new LabelSelectorBuilder().withMatchLabels(Map.of("app", "web")).build(), WEB, true),
        Arguments.of("matchLabels other value", new LabelSelectorBuilder().withMatchLabels(Map.of("app", "db")).build(), WEB, false),
        Arguments.of("matchLabels missing key", new LabelSelectorBuilder().withMatchLabels(Map.of("zone", "a")).build(), WEB, false),
        Arguments.of("In with the value", expression("tier", "In", "back", "front"), WEB, true),
        Arguments.of("In without the key", expression("zone", "In", "a"), WEB, false),
        Arguments.of("NotIn without the key", expression("zone", "NotIn", "a"), WEB, true),
        Arguments.of("NotIn with the value", expression("app", "NotIn", "web"), WEB, false),
        Arguments.of("Exists", expression("app", "Exists"), WEB, true),
        Arguments.of("Exists on no labels", expression("app", "Exists"), nullLabels, false),
        Arguments.of("DoesNotExist", expression("zone", "DoesNotExist"), WEB, true),
        Arguments.of("DoesNotExist with the key", expression("app", "DoesNotExist"), WEB, false),
        Arguments.of("unknown operator never holds", expression("app", "Gt", "1"), WEB, false),
        Arguments.of("labels and expressions both must hold", new LabelSelectorBuilder(expression("tier", "In", "back"))
            .withMatchLabels(Map.of("app", "web")).build(), WEB, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matches(String name, LabelSelector selector, Map<String, String> labels, boolean expected) {
    assertEquals(expected, LabelSelectors.matches(selector, labels));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sets")
  void hasAll(String name, Map<String, String> labels, Map<String, String> set, boolean expected) {
    assertEquals(expected, LabelSelectors.hasAll(labels, set));
  }

  static Stream<Arguments> sets() {
    Map<String, String> none = null;
    Map<String, String> withNullValue = new HashMap<>();
    withNullValue.put("app", "web");
    return Stream.of(
        Arguments.of("no set: everything", WEB, none, true),
        Arguments.of("subset", WEB, Map.of("app", "web"), true),
        Arguments.of("one value differs", WEB, Map.of("app", "web", "tier", "back"), false),
        Arguments.of("no labels", none, Map.of("app", "web"), false),
        Arguments.of("the same set", withNullValue, Map.of("app", "web"), true));
  }
}
