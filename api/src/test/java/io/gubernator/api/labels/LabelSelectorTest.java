package io.gubernator.api.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorTest {

  private static final Map<String, String> LABELS = Map.of("app", "web", "tier", "front", "version", "3");

  static Stream<Arguments> matchCases() {
    return Stream.of(
        match("equals", "app=web", true),
        match("double equals", "app==web", true),
        match("equals other value", "app=db", false),
        match("not equals", "app!=db", true),
        match("not equals same value", "app!=web", false),
        match("not equals on absent key matches", "missing!=x", true),
        match("in", "tier in (front,back)", true),
        match("in without value", "tier in (back)", false),
        match("notin", "tier notin (back)", true),
        match("notin with value", "tier notin (front, back)", false),
        match("notin absent key matches", "zone notin (a)", true),
        match("exists", "app", true),
        match("exists absent", "zone", false),
        match("does not exist", "!zone", true),
        match("does not exist present", "!app", false),
        match("and of requirements", "app=web,tier in (front),!zone", true),
        match("and with one failing", "app=web,tier=back", false),
        match("greater than", "version>2", true),
        match("greater than equal is false", "version>3", false),
        match("less than", "version<4", true),
        match("gt on non-numeric label is false", "app>1", false),
        match("empty selector", "", true),
        match("whitespace only", "   ", true),
        match("equals empty value", "zone=", false),
        match("in with empty value matches absent? no", "zone in (,a)", false),
        match("keyword as value", "app in (in,web)", true),
        match("prefixed key", "example.com/app!=x", true));
  }

  private static Arguments match(String name, String selector, boolean expected) {
    return Arguments.of(Named.of(name, selector), expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matchCases")
  void matches(String selector, boolean expected) {
    assertThat(LabelSelector.parse(selector).matches(LABELS)).isEqualTo(expected);
  }

  static Stream<Arguments> canonicalCases() {
    return Stream.of(
        canon("sorted by key", "b=1,a=2", "a=2,b=1"),
        canon("set values sorted and deduplicated", "x in (c,a,b,a)", "x in (a,b,c)"),
        canon("spaces removed", " x  notin ( b , a ) ", "x notin (a,b)"),
        canon("operators kept", "a==1,b!=2,c,!d,e>5,f<6", "a==1,b!=2,c,!d,e>5,f<6"),
        canon("empty slots are empty values", "x in (a,,b)", "x in (,a,b)"),
        canon("empty parens is the empty value", "x in ()", "x in ()"),
        canon("empty exact value", "x=", "x="));
  }

  private static Arguments canon(String name, String in, String out) {
    return Arguments.of(Named.of(name, in), out);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("canonicalCases")
  void canonicalString(String selector, String expected) {
    LabelSelector parsed = LabelSelector.parse(selector);
    assertThat(parsed.toString()).isEqualTo(expected);
    assertThat(LabelSelector.parse(parsed.toString())).isEqualTo(parsed);
  }

  static Stream<Arguments> errorCases() {
    return Stream.of(
        err("unbalanced paren", "x in (a",
            "unable to parse requirement: found '', expected: ',' or ')'"),
        err("missing open paren", "x in a",
            "unable to parse requirement: found 'a' expected: '('"),
        err("stray close paren", "x=a)",
            "found ')', expected: ',' or 'end of string'"),
        err("unknown operator", "x ~ y",
            "unable to parse requirement: found '~', expected: in, notin, =, ==, !=, gt, lt"),
        err("leading comma", ",a",
            "found ',', expected: !, identifier, or 'end of string'"),
        err("trailing comma", "a=b,",
            "found '', expected: identifier after ','"),
        err("double operator", "a==!b",
            "unable to parse requirement: found '!', expected: identifier"),
        err("invalid key", "foo_=bar",
            "unable to parse requirement: <nil>: Invalid value: \"foo_\": name part must consist of alphanumeric "
                + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                + "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        err("empty key prefix", "/a=b",
            "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty"),
        err("invalid value", "a=-b",
            "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must be an empty "
                + "string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                + "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                + "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
        err("value too long", "a=" + "v".repeat(64),
            "unable to parse requirement: values[0][a]: Invalid value: \"" + "v".repeat(64)
                + "\": must be no more than 63 characters"),
        err("gt needs an integer", "a>b",
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value "
                + "must be an integer"),
        err("does-not-exist with value", "!a=b",
            "found '=', expected: ',' or 'end of string'"));
  }

  private static Arguments err(String name, String in, String message) {
    return Arguments.of(Named.of(name, in), message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errorCases")
  void parseErrors(String selector, String message) {
    assertThatThrownBy(() -> LabelSelector.parse(selector))
        .isInstanceOf(SelectorException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void nullLabelsAreEmpty() {
    assertThat(LabelSelector.parse("!a").matches(null)).isTrue();
    assertThat(LabelSelector.parse("a").matches(null)).isFalse();
  }

  @Test
  void requirementsExposed() {
    assertThat(LabelSelector.parse("b in (y,x),a").requirements()).containsExactly(
        new Requirement("a", Operator.EXISTS, List.of()),
        new Requirement("b", Operator.IN, List.of("x", "y")));
  }

  @Test
  void fromApiNullSelectsNothingAndEmptySelectsEverything() {
    LabelSelector none = LabelSelector.from(null);
    assertThat(none.matches(LABELS)).isFalse();
    assertThat(none.matches(Map.of())).isFalse();
    assertThat(none.isEmpty()).isFalse();

    LabelSelector all = LabelSelector.from(new LabelSelectorBuilder().build());
    assertThat(all.matches(LABELS)).isTrue();
    assertThat(all.isEmpty()).isTrue();
  }

  @Test
  void fromApiCombinesMatchLabelsAndExpressions() {
    var api = new LabelSelectorBuilder()
        .withMatchLabels(Map.of("app", "web"))
        .addNewMatchExpression().withKey("tier").withOperator("In").withValues("front", "back").endMatchExpression()
        .addNewMatchExpression().withKey("zone").withOperator("DoesNotExist").endMatchExpression()
        .addNewMatchExpression().withKey("version").withOperator("Exists").endMatchExpression()
        .addNewMatchExpression().withKey("track").withOperator("NotIn").withValues("canary").endMatchExpression()
        .build();
    LabelSelector sel = LabelSelector.from(api);
    assertThat(sel.toString()).isEqualTo("app=web,tier in (back,front),track notin (canary),version,!zone");
    assertThat(sel.matches(LABELS)).isTrue();
    Map<String, String> other = new HashMap<>(LABELS);
    other.put("zone", "a");
    assertThat(sel.matches(other)).isFalse();
    assertThat(sel.requiresExactMatch("app")).isEqualTo("web");
    assertThat(sel.requiresExactMatch("tier")).isNull();
  }

  @Test
  void fromApiRejectsBadOperatorAndEmptyInValues() {
    var badOp = new LabelSelectorBuilder()
        .withMatchExpressions(new LabelSelectorRequirement("a", "Gt", List.of("1"))).build();
    assertThatThrownBy(() -> LabelSelector.from(badOp))
        .isInstanceOf(SelectorException.class)
        .hasMessage("\"Gt\" is not a valid label selector operator");

    var emptyIn = new LabelSelectorBuilder()
        .withMatchExpressions(new LabelSelectorRequirement("a", "In", List.of())).build();
    assertThatThrownBy(() -> LabelSelector.from(emptyIn))
        .isInstanceOf(SelectorException.class)
        .hasMessage("values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");

    var badKeyAndValue = new LabelSelectorBuilder()
        .withMatchExpressions(new LabelSelectorRequirement("a b", "In", List.of("ok", "not ok"))).build();
    assertThatThrownBy(() -> LabelSelector.from(badKeyAndValue))
        .isInstanceOf(SelectorException.class)
        .hasMessageStartingWith("[key: Invalid value: \"a b\": name part must consist of")
        .hasMessageContaining(", values[1][a b]: Invalid value: \"not ok\": a valid label must be");
  }

  @Test
  void fromSetBuildsEqualities() {
    LabelSelector sel = LabelSelector.fromSet(Map.of("b", "2", "a", "1"));
    assertThat(sel.toString()).isEqualTo("a=1,b=2");
    assertThat(sel.matches(Map.of("a", "1", "b", "2", "c", "3"))).isTrue();
    assertThat(sel.matches(Map.of("a", "1"))).isFalse();
  }
}
