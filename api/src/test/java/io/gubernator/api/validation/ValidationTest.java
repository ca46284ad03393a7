package io.gubernator.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ValidationTest {

  private static final String SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case "
      + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
      + "'example.com', regex used for validation is "
      + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  private static final String LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric "
      + "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
      + "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  private static final String DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric "
      + "characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. "
      + "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
  private static final String QUALIFIED_NAME_PART_MSG = "name part must consist of alphanumeric characters, "
      + "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
      + "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

  static Stream<Arguments> nameCases() {
    return Stream.of(
        n("subdomain ok", NameRule.DNS1123_SUBDOMAIN, "web.example-1", List.of()),
        n("subdomain uppercase", NameRule.DNS1123_SUBDOMAIN, "Bad_Name", List.of(SUBDOMAIN_MSG)),
        n("subdomain too long", NameRule.DNS1123_SUBDOMAIN, "a".repeat(254),
            List.of("must be no more than 253 characters")),
        n("label with dots", NameRule.DNS1123_LABEL, "a.b", List.of("must not contain dots")),
        n("label bad chars", NameRule.DNS1123_LABEL, "a_b", List.of(LABEL_MSG)),
        n("label too long and bad", NameRule.DNS1123_LABEL, "-" + "a".repeat(63),
            List.of("must be no more than 63 characters", LABEL_MSG)),
        n("dns1035 starting with digit", NameRule.DNS1035_LABEL, "1abc", List.of(DNS1035_MSG)),
        n("dns1035 ok", NameRule.DNS1035_LABEL, "my-svc", List.of()),
        n("path segment dot-dot", NameRule.PATH_SEGMENT, "..", List.of("may not be '..'")),
        n("path segment slash and percent", NameRule.PATH_SEGMENT, "a/b%",
            List.of("may not contain '/'", "may not contain '%'")),
        n("path segment anything else", NameRule.PATH_SEGMENT, "system:Admin", List.of()));
  }

  private static Arguments n(String name, NameRule rule, String value, List<String> messages) {
    return Arguments.of(Named.of(name, value), rule, messages);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nameCases")
  void nameRules(String value, NameRule rule, List<String> messages) {
    assertThat(rule.validate(value, false)).containsExactlyElementsOf(messages);
  }

  @Test
  void generateNameMayEndWithDash() {
    assertThat(NameRule.DNS1123_SUBDOMAIN.validate("web-", true)).isEmpty();
    assertThat(NameRule.DNS1123_SUBDOMAIN.validate("web-", false)).containsExactly(SUBDOMAIN_MSG);
    assertThat(NameRule.DNS1035_LABEL.validate("1web-", true)).containsExactly(DNS1035_MSG);
  }

  static Stream<Arguments> qualifiedNameCases() {
    return Stream.of(
        q("plain", "app", List.of()),
        q("prefixed", "example.com/app", List.of()),
        q("empty prefix", "/app", List.of("prefix part must be non-empty")),
        q("bad prefix", "Example.com/app", List.of("prefix part " + SUBDOMAIN_MSG)),
        q("empty name", "example.com/", List.of("name part must be non-empty", QUALIFIED_NAME_PART_MSG)),
        q("name too long", "a".repeat(64), List.of("name part must be no more than 63 characters")),
        q("two slashes", "a/b/c", List.of("a valid label key must consist of alphanumeric characters, '-', '_' "
            + "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            + "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an "
            + "optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")));
  }

  private static Arguments q(String name, String value, List<String> messages) {
    return Arguments.of(Named.of(name, value), messages);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("qualifiedNameCases")
  void qualifiedNames(String value, List<String> messages) {
    assertThat(NameValidation.isQualifiedName(value)).containsExactlyElementsOf(messages);
  }

  @Test
  void labelValues() {
    assertThat(NameValidation.isValidLabelValue("")).isEmpty();
    assertThat(NameValidation.isValidLabelValue("My_value.1")).isEmpty();
    assertThat(NameValidation.isValidLabelValue("bad value")).hasSize(1);
    assertThat(NameValidation.isValidLabelValue("é")).hasSize(1);
  }

  static Stream<Arguments> metaCases() {
    return Stream.of(
        m("valid namespaced", new ObjectMetaBuilder().withName("web").withNamespace("default").build(), true,
            NameRule.DNS1123_SUBDOMAIN, List.of()),
        m("bad name", new ObjectMetaBuilder().withName("Bad_Name").withNamespace("default").build(), true,
            NameRule.DNS1123_SUBDOMAIN,
            List.of("metadata.name: Invalid value: \"Bad_Name\": " + SUBDOMAIN_MSG)),
        m("missing name", new ObjectMetaBuilder().withNamespace("default").build(), true,
            NameRule.DNS1123_SUBDOMAIN, List.of("metadata.name: Required value: name or generateName is required")),
        m("missing namespace", new ObjectMetaBuilder().withName("web").build(), true,
            NameRule.DNS1123_SUBDOMAIN, List.of("metadata.namespace: Required value")),
        m("bad namespace", new ObjectMetaBuilder().withName("web").withNamespace("a.b").build(), true,
            NameRule.DNS1123_SUBDOMAIN, List.of("metadata.namespace: Invalid value: \"a.b\": must not contain dots")),
        m("namespace on cluster-scoped", new ObjectMetaBuilder().withName("n1").withNamespace("default").build(),
            false, NameRule.DNS1123_SUBDOMAIN, List.of("metadata.namespace: Forbidden: not allowed on this type")),
        m("bad generateName and service name", new ObjectMetaBuilder().withGenerateName("1svc-").withName("1svcx")
                .withNamespace("default").build(), true, NameRule.DNS1035_LABEL,
            List.of("metadata.generateName: Invalid value: \"1svc-\": " + DNS1035_MSG,
                "metadata.name: Invalid value: \"1svcx\": " + DNS1035_MSG)),
        m("bad label key and value", new ObjectMetaBuilder().withName("web").withNamespace("default")
                .withLabels(Map.of("app_", "x y")).build(), true, NameRule.DNS1123_SUBDOMAIN,
            List.of("metadata.labels: Invalid value: \"app_\": " + QUALIFIED_NAME_PART_MSG,
                "metadata.labels: Invalid value: \"x y\": a valid label must be an empty string or consist of "
                    + "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    + "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                    + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")),
        m("annotation keys are case-insensitive but still qualified", new ObjectMetaBuilder().withName("web")
                .withNamespace("default").withAnnotations(Map.of("Example.com/Key", "v", "bad key", "v")).build(),
            true, NameRule.DNS1123_SUBDOMAIN,
            List.of("metadata.annotations: Invalid value: \"bad key\": " + QUALIFIED_NAME_PART_MSG)),
        m("annotations too large", new ObjectMetaBuilder().withName("web").withNamespace("default")
                .withAnnotations(Map.of("big", "x".repeat(256 * 1024))).build(), true, NameRule.DNS1123_SUBDOMAIN,
            List.of("metadata.annotations: Too long: may not be more than 262144 bytes")),
        m("owner reference basics", new ObjectMetaBuilder().withName("web").withNamespace("default")
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("").withKind("").build()).build(),
            true, NameRule.DNS1123_SUBDOMAIN,
            List.of("metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty",
                "metadata.ownerReferences.kind: Invalid value: \"\": must not be empty",
                "metadata.ownerReferences.name: Invalid value: \"\": must not be empty",
                "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty")),
        m("event owner", new ObjectMetaBuilder().withName("web").withNamespace("default")
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Event")
                    .withName("e").withUid("u").build()).build(), true, NameRule.DNS1123_SUBDOMAIN,
            List.of("metadata.ownerReferences: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\","
                + "\"name\":\"e\",\"uid\":\"u\"}: /v1, Kind=Event is disallowed from being an owner")),
        m("finalizers", new ObjectMetaBuilder().withName("web").withNamespace("default")
                .withFinalizers("orphan", "foregroundDeletion", "bad/fin/alizer").build(), true,
            NameRule.DNS1123_SUBDOMAIN,
            List.of("metadata.finalizers: Invalid value: \"bad/fin/alizer\": a valid label key must consist of "
                    + "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    + "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                    + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
                    + "(e.g. 'example.com/MyName')",
                "metadata.finalizers: Invalid value: [\"orphan\",\"foregroundDeletion\",\"bad/fin/alizer\"]: "
                    + "finalizer orphan and foregroundDeletion cannot be both set")));
  }

  private static Arguments m(String name, ObjectMeta meta, boolean namespaced, NameRule rule,
      List<String> messages) {
    return Arguments.of(Named.of(name, meta), namespaced, rule, messages);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("metaCases")
  void objectMeta(ObjectMeta meta, boolean namespaced, NameRule rule, List<String> messages) {
    assertThat(ObjectMetaValidation.validateObjectMeta(meta, namespaced, rule))
        .extracting(FieldError::message)
        .containsExactlyElementsOf(messages);
  }

  @Test
  void twoControllers() {
    var meta = new ObjectMetaBuilder().withName("web").withNamespace("default").withOwnerReferences(
        new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet").withName("a").withUid("1")
            .withController(true).build(),
        new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet").withName("b").withUid("2")
            .withController(true).build()).build();
    List<FieldError> errs = ObjectMetaValidation.validateObjectMeta(meta, true, NameRule.DNS1123_SUBDOMAIN);
    assertThat(errs).hasSize(1);
    assertThat(errs.get(0).type()).isEqualTo(FieldError.Type.INVALID);
    assertThat(errs.get(0).message()).startsWith("metadata.ownerReferences: Invalid value: [{")
        .endsWith("Only one reference can have Controller set to true. Found \"true\" in references for "
            + "ReplicaSet/a and ReplicaSet/b");
  }

  @Test
  void update() {
    var old = new ObjectMetaBuilder().withName("web").withNamespace("default").withUid("u1")
        .withResourceVersion("5").withGeneration(3L).withDeletionTimestamp("2024-01-01T00:00:00Z")
        .withFinalizers("a.io/x").build();
    var changed = new ObjectMetaBuilder(old).withName("web2").withUid("u2").withResourceVersion("")
        .withGeneration(2L).withFinalizers("a.io/x", "b.io/y").build();
    assertThat(ObjectMetaValidation.validateObjectMetaUpdate(changed, old)).extracting(FieldError::message)
        .containsExactly(
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, "
                + "found new finalizers []string{\"b.io/y\"}",
            "metadata.resourceVersion: Invalid value: \"\": must be specified for an update",
            "metadata.generation: Invalid value: 2: must not be decremented",
            "metadata.name: Invalid value: \"web2\": field is immutable",
            "metadata.uid: Invalid value: \"u2\": field is immutable");
    assertThat(ObjectMetaValidation.validateObjectMetaUpdate(new ObjectMetaBuilder(old).build(), old)).isEmpty();
  }

  @Test
  void labelSelector() {
    var sel = new LabelSelectorBuilder()
        .withMatchLabels(Map.of("app", "web"))
        .withMatchExpressions(
            new LabelSelectorRequirement("tier", "In", List.of()),
            new LabelSelectorRequirement("zone", "Exists", List.of("a")),
            new LabelSelectorRequirement("bad key", "Foo", List.of("-x")))
        .build();
    assertThat(ObjectMetaValidation.validateLabelSelector(sel, "spec.selector")).extracting(FieldError::message)
        .containsExactly(
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is "
                + "'In' or 'NotIn'",
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is "
                + "'Exists' or 'DoesNotExist'",
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Foo\": not a valid selector operator",
            "spec.selector.matchExpressions[2].key: Invalid value: \"bad key\": " + QUALIFIED_NAME_PART_MSG,
            "spec.selector.matchExpressions[2].values[0]: Invalid value: \"-x\": a valid label must be an empty "
                + "string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                + "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                + "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
    assertThat(ObjectMetaValidation.validateLabelSelector(null, "spec.selector")).isEmpty();
  }

  @Test
  void fieldErrorRendering() {
    assertThat(FieldError.notSupported("spec.restartPolicy", "Sometimes", List.of("Always", "Never")).message())
        .isEqualTo("spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\"");
    assertThat(FieldError.duplicate("spec.ports[1].name", "http").message())
        .isEqualTo("spec.ports[1].name: Duplicate value: \"http\"");
    assertThat(FieldError.notFound("spec.volumes", "data").message())
        .isEqualTo("spec.volumes: Not found: \"data\"");
    assertThat(FieldError.invalid("x", "a\"b\\\n", "bad").message())
        .isEqualTo("x: Invalid value: \"a\\\"b\\\\\\n\": bad");
    assertThat(FieldError.Type.TYPE_INVALID.reason()).isEqualTo("FieldValueTypeInvalid");
    assertThat(FieldError.tooLong("a", 1).message()).isEqualTo("a: Too long: may not be more than 1 byte");
  }
}
