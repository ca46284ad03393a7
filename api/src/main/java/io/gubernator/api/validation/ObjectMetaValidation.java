package io.gubernator.api.validation;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Validation of {@code metadata} and of the label-related types shared by all resources, following
 * Kubernetes' {@code apimachinery/pkg/api/validation} and {@code apis/meta/v1/validation}: same checks,
 * same order, same field paths and messages. Map entries are visited in key order so results are stable.
 */
public final class ObjectMetaValidation {

  /** Kubernetes' limit on the total size of all annotation keys and values, in bytes. */
  public static final int TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
  public static final String FIELD_IMMUTABLE = "field is immutable";
  public static final String FINALIZER_ORPHAN = "orphan";
  public static final String FINALIZER_FOREGROUND = "foregroundDeletion";

  private static final ObjectMapper JSON = new ObjectMapper()
      .setSerializationInclusion(JsonInclude.Include.NON_EMPTY);

  private ObjectMetaValidation() {
  }

  /** {@link #validateObjectMeta(ObjectMeta, boolean, NameRule, String)} under {@code metadata}. */
  public static List<FieldError> validateObjectMeta(ObjectMeta meta, boolean namespaced, NameRule rule) {
    return validateObjectMeta(meta, namespaced, rule, "metadata");
  }

  /**
   * Validates metadata on create (after any name generation): generateName and name against the resource's
   * rule, namespace required or forbidden, generation, labels, annotations, owner references, finalizers and
   * managed fields.
   */
  public static List<FieldError> validateObjectMeta(ObjectMeta meta, boolean namespaced, NameRule rule,
      String path) {
    List<FieldError> errs = new ArrayList<>();
    if (meta == null) {
      errs.add(FieldError.required(path + ".name", "name or generateName is required"));
      if (namespaced) {
        errs.add(FieldError.required(path + ".namespace", ""));
      }
      return errs;
    }
    String generateName = nz(meta.getGenerateName());
    if (!generateName.isEmpty()) {
      for (String msg : rule.validate(generateName, true)) {
        errs.add(FieldError.invalid(path + ".generateName", generateName, msg));
      }
    }
    String name = nz(meta.getName());
    if (name.isEmpty()) {
      errs.add(FieldError.required(path + ".name", "name or generateName is required"));
    } else {
      for (String msg : rule.validate(name, false)) {
        errs.add(FieldError.invalid(path + ".name", name, msg));
      }
    }
    String namespace = nz(meta.getNamespace());
    if (namespaced) {
      if (namespace.isEmpty()) {
        errs.add(FieldError.required(path + ".namespace", ""));
      } else {
        for (String msg : NameRule.DNS1123_LABEL.validate(namespace, false)) {
          errs.add(FieldError.invalid(path + ".namespace", namespace, msg));
        }
      }
    } else if (!namespace.isEmpty()) {
      errs.add(FieldError.forbidden(path + ".namespace", "not allowed on this type"));
    }
    if (meta.getGeneration() != null && meta.getGeneration() < 0) {
      errs.add(FieldError.invalidJson(path + ".generation", meta.getGeneration().toString(),
          "must be greater than or equal to 0"));
    }
    errs.addAll(validateLabels(meta.getLabels(), path + ".labels"));
    errs.addAll(validateAnnotations(meta.getAnnotations(), path + ".annotations"));
    errs.addAll(validateOwnerReferences(meta.getOwnerReferences(), path + ".ownerReferences"));
    errs.addAll(validateFinalizers(meta.getFinalizers(), path + ".finalizers"));
    errs.addAll(validateManagedFields(meta.getManagedFields(), path + ".managedFields"));
    return errs;
  }

  /**
   * Validates metadata on update: resourceVersion present, identity and timestamps unchanged, generation not
   * decremented, no finalizer added once deletion started, plus the same label/annotation/owner/finalizer
   * checks as on create.
   */
  public static List<FieldError> validateObjectMetaUpdate(ObjectMeta newMeta, ObjectMeta oldMeta) {
    String path = "metadata";
    ObjectMeta n = newMeta == null ? new ObjectMeta() : newMeta;
    ObjectMeta o = oldMeta == null ? new ObjectMeta() : oldMeta;
    List<FieldError> errs = new ArrayList<>();
    if (o.getDeletionTimestamp() != null) {
      Set<String> added = new java.util.TreeSet<>(n.getFinalizers() == null ? List.of() : n.getFinalizers());
      added.removeAll(o.getFinalizers() == null ? List.of() : o.getFinalizers());
      if (!added.isEmpty()) {
        errs.add(FieldError.forbidden(path + ".finalizers",
            "no new finalizers can be added if the object is being deleted, found new finalizers "
                + goStringSlice(List.copyOf(added))));
      }
    }
    if (nz(n.getResourceVersion()).isEmpty()) {
      errs.add(FieldError.invalid(path + ".resourceVersion", "", "must be specified for an update"));
    }
    long newGen = n.getGeneration() == null ? 0 : n.getGeneration();
    long oldGen = o.getGeneration() == null ? 0 : o.getGeneration();
    if (newGen < oldGen) {
      errs.add(FieldError.invalidJson(path + ".generation", Long.toString(newGen), "must not be decremented"));
    }
    immutable(errs, path + ".name", nz(n.getName()), nz(o.getName()));
    immutable(errs, path + ".namespace", nz(n.getNamespace()), nz(o.getNamespace()));
    immutable(errs, path + ".uid", nz(n.getUid()), nz(o.getUid()));
    immutableJson(errs, path + ".creationTimestamp", n.getCreationTimestamp(), o.getCreationTimestamp());
    immutableJson(errs, path + ".deletionTimestamp", n.getDeletionTimestamp(), o.getDeletionTimestamp());
    immutableJson(errs, path + ".deletionGracePeriodSeconds", n.getDeletionGracePeriodSeconds(),
        o.getDeletionGracePeriodSeconds());
    errs.addAll(validateLabels(n.getLabels(), path + ".labels"));
    errs.addAll(validateAnnotations(n.getAnnotations(), path + ".annotations"));
    errs.addAll(validateOwnerReferences(n.getOwnerReferences(), path + ".ownerReferences"));
    errs.addAll(validateFinalizers(n.getFinalizers(), path + ".finalizers"));
    errs.addAll(validateManagedFields(n.getManagedFields(), path + ".managedFields"));
    return errs;
  }

  public static List<FieldError> validateLabelName(String name, String path) {
    List<FieldError> errs = new ArrayList<>();
    for (String msg : NameValidation.isQualifiedName(nz(name))) {
      errs.add(FieldError.invalid(path, nz(name), msg));
    }
    return errs;
  }

  public static List<FieldError> validateLabels(Map<String, String> labels, String path) {
    List<FieldError> errs = new ArrayList<>();
    if (labels == null) {
      return errs;
    }
    sorted(labels).forEach((k, v) -> {
      errs.addAll(validateLabelName(k, path));
      for (String msg : NameValidation.isValidLabelValue(nz(v))) {
        errs.add(FieldError.invalid(path, nz(v), msg));
      }
    });
    return errs;
  }

  /** Keys are qualified names compared case-insensitively; the total size is capped at 256 KiB. */
  public static List<FieldError> validateAnnotations(Map<String, String> annotations, String path) {
    List<FieldError> errs = new ArrayList<>();
    if (annotations == null) {
      return errs;
    }
    long total = 0;
    for (Map.Entry<String, String> e : sorted(annotations).entrySet()) {
      String k = e.getKey();
      for (String msg : NameValidation.isQualifiedName(k.toLowerCase(Locale.ROOT))) {
        errs.add(FieldError.invalid(path, k, msg));
      }
      total += k.getBytes(StandardCharsets.UTF_8).length + nz(e.getValue()).getBytes(StandardCharsets.UTF_8).length;
    }
    if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
      errs.add(FieldError.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    return errs;
  }

  public static List<FieldError> validateOwnerReferences(List<OwnerReference> refs, String path) {
    List<FieldError> errs = new ArrayList<>();
    if (refs == null) {
      return errs;
    }
    String firstController = null;
    for (OwnerReference ref : refs) {
      if (ref == null) {
        continue;
      }
      String apiVersion = nz(ref.getApiVersion());
      String kind = nz(ref.getKind());
      String[] gv = groupVersion(apiVersion);
      if (gv[1].isEmpty()) {
        errs.add(FieldError.invalid(path + ".apiVersion", apiVersion, "version must not be empty"));
      }
      if (kind.isEmpty()) {
        errs.add(FieldError.invalid(path + ".kind", kind, "must not be empty"));
      }
      if (nz(ref.getName()).isEmpty()) {
        errs.add(FieldError.invalid(path + ".name", "", "must not be empty"));
      }
      if (nz(ref.getUid()).isEmpty()) {
        errs.add(FieldError.invalid(path + ".uid", "", "must not be empty"));
      }
      if (gv[0].isEmpty() && gv[1].equals("v1") && kind.equals("Event")) {
        errs.add(FieldError.invalidJson(path, json(ref), "/v1, Kind=Event is disallowed from being an owner"));
      }
      if (Boolean.TRUE.equals(ref.getController())) {
        String current = kind + "/" + nz(ref.getName());
        if (firstController != null) {
          errs.add(FieldError.invalidJson(path, json(refs), "Only one reference can have Controller set to true. "
              + "Found \"true\" in references for " + firstController + " and " + current));
        } else {
          firstController = current;
        }
      }
    }
    return errs;
  }

  public static List<FieldError> validateFinalizers(List<String> finalizers, String path) {
    List<FieldError> errs = new ArrayList<>();
    if (finalizers == null) {
      return errs;
    }
    for (String f : finalizers) {
      for (String msg : NameValidation.isQualifiedName(nz(f))) {
        errs.add(FieldError.invalid(path, nz(f), msg));
      }
    }
    if (finalizers.contains(FINALIZER_ORPHAN) && finalizers.contains(FINALIZER_FOREGROUND)) {
      errs.add(FieldError.invalidJson(path, json(finalizers),
          "finalizer " + FINALIZER_ORPHAN + " and " + FINALIZER_FOREGROUND + " cannot be both set"));
    }
    return errs;
  }

  public static List<FieldError> validateManagedFields(List<ManagedFieldsEntry> entries, String path) {
    List<FieldError> errs = new ArrayList<>();
    if (entries == null) {
      return errs;
    }
    for (int i = 0; i < entries.size(); i++) {
      ManagedFieldsEntry e = entries.get(i);
      if (e == null) {
        continue;
      }
      String p = path + "[" + i + "]";
      String op = nz(e.getOperation());
      if (!op.equals("Apply") && !op.equals("Update")) {
        errs.add(FieldError.invalid(p + ".operation", op, "must be `Apply` or `Update`"));
      }
      String type = nz(e.getFieldsType());
      if (!type.isEmpty() && !type.equals("FieldsV1")) {
        errs.add(FieldError.invalid(p + ".fieldsType", type, "must be `FieldsV1`"));
      }
      String manager = nz(e.getManager());
      if (manager.length() > 128) {
        errs.add(FieldError.tooLong(p + ".manager", 128));
      }
    }
    return errs;
  }

  /**
   * Validates an API {@code LabelSelector} as {@code metav1validation.ValidateLabelSelector} does: matchLabels
   * like labels, and each expression's operator, values count, key and values. A null selector is valid.
   */
  public static List<FieldError> validateLabelSelector(LabelSelector selector, String path) {
    List<FieldError> errs = new ArrayList<>();
    if (selector == null) {
      return errs;
    }
    errs.addAll(validateLabels(selector.getMatchLabels(), path + ".matchLabels"));
    List<LabelSelectorRequirement> exprs = selector.getMatchExpressions();
    if (exprs != null) {
      for (int i = 0; i < exprs.size(); i++) {
        LabelSelectorRequirement r = exprs.get(i);
        if (r != null) {
          errs.addAll(validateLabelSelectorRequirement(r, path + ".matchExpressions[" + i + "]"));
        }
      }
    }
    return errs;
  }

  public static List<FieldError> validateLabelSelectorRequirement(LabelSelectorRequirement r, String path) {
    List<FieldError> errs = new ArrayList<>();
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    String op = nz(r.getOperator());
    switch (op) {
      case "In", "NotIn" -> {
        if (values.isEmpty()) {
          errs.add(FieldError.required(path + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
        }
      }
      case "Exists", "DoesNotExist" -> {
        if (!values.isEmpty()) {
          errs.add(FieldError.forbidden(path + ".values",
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        }
      }
      default -> errs.add(FieldError.invalid(path + ".operator", op, "not a valid selector operator"));
    }
    errs.addAll(validateLabelName(r.getKey(), path + ".key"));
    for (int i = 0; i < values.size(); i++) {
      String v = nz(values.get(i));
      for (String msg : NameValidation.isValidLabelValue(v)) {
        errs.add(FieldError.invalid(path + ".values[" + i + "]", v, msg));
      }
    }
    return errs;
  }

  private static void immutable(List<FieldError> errs, String path, String newValue, String oldValue) {
    if (!newValue.equals(oldValue)) {
      errs.add(FieldError.invalid(path, newValue, FIELD_IMMUTABLE));
    }
  }

  private static void immutableJson(List<FieldError> errs, String path, Object newValue, Object oldValue) {
    if (!Objects.equals(newValue, oldValue)) {
      errs.add(FieldError.invalidJson(path, json(newValue), FIELD_IMMUTABLE));
    }
  }

  /** Splits "group/version" or "version"; anything with more slashes has neither (as Kubernetes parses it). */
  private static String[] groupVersion(String apiVersion) {
    if (apiVersion.isEmpty()) {
      return new String[] {"", ""};
    }
    String[] parts = apiVersion.split("/", -1);
    return switch (parts.length) {
      case 1 -> new String[] {"", apiVersion};
      case 2 -> new String[] {parts[0], parts[1]};
      default -> new String[] {"", ""};
    };
  }

  private static String goStringSlice(List<String> values) {
    StringBuilder sb = new StringBuilder("[]string{");
    for (int i = 0; i < values.size(); i++) {
      sb.append(i > 0 ? ", " : "").append(FieldError.goQuote(values.get(i)));
    }
    return sb.append('}').toString();
  }

  static String json(Object value) {
    if (value == null) {
      return "null";
    }
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }

  private static Map<String, String> sorted(Map<String, String> m) {
    TreeMap<String, String> t = new TreeMap<>();
    m.forEach((k, v) -> t.put(k == null ? "" : k, v));
    return t;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
