package io.gubernator.apiserver.registry.strategies;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.gubernator.api.validation.FieldError;
import io.gubernator.apiserver.registry.Strategy;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** ConfigMaps, Secrets and Nodes. */
final class ConfigStrategies {

  private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final int MAX_CONFIG_BYTES = 1024 * 1024;

  private ConfigStrategies() {}

  static List<FieldError> keys(Map<String, ?> data, String path) {
    List<FieldError> errors = new ArrayList<>();
    if (data == null) return errors;
    for (String k : data.keySet()) {
      if (k.length() > 253) errors.add(FieldError.invalid(path, k, "must be no more than 253 characters"));
      if (!CONFIG_KEY.matcher(k).matches()) {
        errors.add(FieldError.invalid(path, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
            + "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      }
    }
    return errors;
  }

  static final class ConfigMapStrategy implements Strategy<ConfigMap> {
    @Override
    public List<FieldError> validate(ConfigMap cm) {
      List<FieldError> errors = new ArrayList<>(keys(cm.getData(), "data"));
      errors.addAll(keys(cm.getBinaryData(), "binaryData"));
      if (cm.getData() != null && cm.getBinaryData() != null) {
        for (String k : cm.getData().keySet()) {
          if (cm.getBinaryData().containsKey(k)) errors.add(FieldError.invalid("data", k, "duplicate of key present in binaryData"));
        }
      }
      long total = 0;
      if (cm.getData() != null) for (var e : cm.getData().entrySet()) total += e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length());
      if (total > MAX_CONFIG_BYTES) errors.add(new FieldError(FieldError.Type.TOO_LONG, "", "", "must have at most 1048576 bytes"));
      return errors;
    }

    @Override
    public List<FieldError> validateUpdate(ConfigMap cm, ConfigMap old) {
      List<FieldError> errors = new ArrayList<>(validate(cm));
      if (Boolean.TRUE.equals(old.getImmutable()) && (!java.util.Objects.equals(cm.getData(), old.getData())
          || !java.util.Objects.equals(cm.getBinaryData(), old.getBinaryData()))) {
        errors.add(FieldError.forbidden("data", "field is immutable when `immutable` is set"));
      }
      return errors;
    }
  }

  static final class SecretStrategy implements Strategy<Secret> {
    @Override
    public void applyDefaults(Secret s) {
      if (s.getType() == null || s.getType().isEmpty()) s.setType("Opaque");
      // stringData is write-only: it is merged into data and never stored.
      if (s.getStringData() != null && !s.getStringData().isEmpty()) {
        var data = s.getData() == null ? new java.util.LinkedHashMap<String, String>() : new java.util.LinkedHashMap<>(s.getData());
        s.getStringData().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        s.setData(data);
        s.setStringData(null);
      }
    }

    @Override
    public List<FieldError> validate(Secret s) {
      List<FieldError> errors = new ArrayList<>(keys(s.getData(), "data"));
      if (s.getData() != null) {
        for (var e : s.getData().entrySet()) {
          try {
            Base64.getDecoder().decode(e.getValue() == null ? "" : e.getValue());
          } catch (IllegalArgumentException ex) {
            errors.add(FieldError.invalid("data[" + e.getKey() + "]", "<secret contents redacted>", "illegal base64 data"));
          }
        }
      }
      return errors;
    }
  }

  static final class NodeStrategy implements Strategy<Node> {
    @Override
    public void prepareForUpdate(Node node, Node old) {
      node.setStatus(old.getStatus());
    }

    /** Kubernetes always has a spec on a Node (an empty one at least); clients rely on it. */
    @Override
    public void applyDefaults(Node node) {
      if (node.getSpec() == null) node.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
    }
  }
}
