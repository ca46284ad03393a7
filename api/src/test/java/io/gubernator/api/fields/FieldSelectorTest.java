package io.gubernator.api.fields;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gubernator.api.fields.FieldSelector.Operator;
import io.gubernator.api.fields.FieldSelector.Requirement;
import io.gubernator.api.labels.SelectorException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FieldSelectorTest {

  private static final Map<String, String> POD = new HashMap<>(Map.of(
      "metadata.name", "web-1",
      "metadata.namespace", "default",
      "status.phase", "Running",
      "spec.nodeName", "a,b=c\\d"));

  static {
    POD.put("spec.schedulerName", null);
  }

  static Stream<Arguments> matchCases() {
    return Stream.of(
        c("equals", "metadata.name=web-1", true),
        c("double equals", "metadata.name==web-1", true),
        c("equals mismatch", "metadata.name=web-2", false),
        c("not equals", "status.phase!=Pending", true),
        c("not equals same", "status.phase!=Running", false),
        c("and", "metadata.namespace=default,status.phase=Running", true),
        c("and with mismatch", "metadata.namespace=default,status.phase=Failed", false),
        c("unknown field compares as empty", "spec.hostname=", true),
        c("null field compares as empty", "spec.schedulerName=", true),
        c("null field differs from a value", "spec.schedulerName!=x", true),
        c("escaped value", "spec.nodeName=a\\,b\\=c\\\\d", true),
        c("empty terms are skipped", ",metadata.name=web-1,,", true),
        c("empty selector", "", true),
        c("value with exclamation", "metadata.name=web!1", false));
  }

  private static Arguments c(String name, String selector, boolean expected) {
    return Arguments.of(Named.of(name, selector), expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matchCases")
  void matches(String selector, boolean expected) {
    FieldSelector sel = FieldSelector.parse(selector);
    assertThat(sel.matches(POD::get)).isEqualTo(expected);
  }

  static Stream<Arguments> errorCases() {
    return Stream.of(
        e("no operator", "metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        e("second term without operator", "a=b,c",
            "invalid selector: 'a=b,c'; can't understand 'c'"),
        e("unknown escape", "a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
        e("dangling backslash", "a=b\\", "invalid field selector: invalid escape sequence: \\"),
        e("unescaped equals in value", "a=b=c", "invalid field selector: unescaped character in value: 61"),
        e("escaped equals in the field is not special", "a\\=b=c",
            "invalid field selector: unescaped character in value: 61"));
  }

  private static Arguments e(String name, String selector, String message) {
    return Arguments.of(Named.of(name, selector), message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errorCases")
  void errors(String selector, String message) {
    assertThatThrownBy(() -> FieldSelector.parse(selector))
        .isInstanceOf(SelectorException.class)
        .hasMessage(message);
  }

  @Test
  void requirementsAreSortedTermsWithUnescapedValues() {
    FieldSelector sel = FieldSelector.parse("status.phase!=Failed,metadata.name==a\\,b");
    assertThat(sel.requirements()).containsExactly(
        new Requirement("metadata.name", Operator.EQUALS, "a,b"),
        new Requirement("status.phase", Operator.NOT_EQUALS, "Failed"));
    assertThat(sel.toString()).isEqualTo("metadata.name=a\\,b,status.phase!=Failed");
    assertThat(FieldSelector.parse(sel.toString())).isEqualTo(sel);
    assertThat(sel.requiresExactMatch("metadata.name")).isEqualTo("a,b");
    assertThat(sel.requiresExactMatch("status.phase")).isNull();
    assertThat(sel.isEmpty()).isFalse();
  }

  @Test
  void emptyAndNull() {
    assertThat(FieldSelector.parse(null).isEmpty()).isTrue();
    assertThat(FieldSelector.parse(",").isEmpty()).isTrue();
    assertThat(FieldSelector.parse("").requirements()).isEmpty();
  }

  @Test
  void escapeRoundTrip() {
    for (String v : List.of("plain", "a,b", "x=y", "back\\slash", "")) {
      assertThat(FieldSelector.unescapeValue(FieldSelector.escapeValue(v))).isEqualTo(v);
    }
  }
}
