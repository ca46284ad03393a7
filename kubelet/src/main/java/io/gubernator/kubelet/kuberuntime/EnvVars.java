package io.gubernator.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's environment as the kubelet makes it: {@code envFrom} first, then {@code env} in
 * order (later wins), each value expanded against what is defined before it; and the
 * {@code $(VAR)} expansion of command and args.
 */
public final class EnvVars {

  /** Reads the objects environment variables refer to; null when absent. */
  public interface Objects {
    ConfigMap configMap(String namespace, String name);

    Secret secret(String namespace, String name);

    /** The Services of a namespace, for the service environment variables. */
    default List<io.fabric8.kubernetes.api.model.Service> services(String namespace) {
      return List.of();
    }
  }

  /** A referenced object or key that is missing and not optional: the container cannot start. */
  public static final class MissingReferenceException extends Exception {
    public MissingReferenceException(String message) {
      super(message);
    }
  }

  private EnvVars() {}

  public static Map<String, String> resolve(Pod pod, Container container, String hostIp, Objects objects) throws MissingReferenceException {
    Map<String, String> env = new LinkedHashMap<>(ServiceEnv.of(pod, objects));
    String ns = pod.getMetadata().getNamespace();
    for (EnvFromSource from : container.getEnvFrom()) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      if (from.getConfigMapRef() != null) {
        ConfigMap cm = objects.configMap(ns, from.getConfigMapRef().getName());
        if (cm == null) {
          if (Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) continue;
          throw new MissingReferenceException("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
        }
        if (cm.getData() != null) cm.getData().forEach((k, v) -> env.put(prefix + k, v));
      } else if (from.getSecretRef() != null) {
        Secret s = objects.secret(ns, from.getSecretRef().getName());
        if (s == null) {
          if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) continue;
          throw new MissingReferenceException("secret \"" + from.getSecretRef().getName() + "\" not found");
        }
        if (s.getData() != null) s.getData().forEach((k, v) -> env.put(prefix + k, decode(v)));
        if (s.getStringData() != null) s.getStringData().forEach((k, v) -> env.put(prefix + k, v));
      }
    }
    for (EnvVar var : container.getEnv()) {
      if (var.getValueFrom() == null) {
        env.put(var.getName(), expand(var.getValue() == null ? "" : var.getValue(), env));
        continue;
      }
      String value = valueFrom(pod, container, var.getValueFrom(), hostIp, objects);
      if (value != null) env.put(var.getName(), value);
    }
    return env;
  }

  private static String valueFrom(Pod pod, Container container, EnvVarSource src, String hostIp, Objects objects)
      throws MissingReferenceException {
    String ns = pod.getMetadata().getNamespace();
    if (src.getFieldRef() != null) return DownwardApi.fieldValue(pod, src.getFieldRef().getFieldPath(), hostIp);
    if (src.getResourceFieldRef() != null) {
      String name = src.getResourceFieldRef().getContainerName();
      Container target = container;
      if (name != null && !name.isEmpty()) {
        target = pod.getSpec().getContainers().stream().filter(c -> name.equals(c.getName())).findFirst().orElse(container);
      }
      return DownwardApi.resourceValue(target, src.getResourceFieldRef().getResource(), src.getResourceFieldRef().getDivisor());
    }
    if (src.getConfigMapKeyRef() != null) {
      var ref = src.getConfigMapKeyRef();
      boolean optional = Boolean.TRUE.equals(ref.getOptional());
      ConfigMap cm = objects.configMap(ns, ref.getName());
      String v = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
      if (v == null && !optional) {
        throw new MissingReferenceException(cm == null ? "configmap \"" + ref.getName() + "\" not found"
            : "couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
      }
      return v;
    }
    if (src.getSecretKeyRef() != null) {
      var ref = src.getSecretKeyRef();
      boolean optional = Boolean.TRUE.equals(ref.getOptional());
      Secret s = objects.secret(ns, ref.getName());
      String v = s == null || s.getData() == null || s.getData().get(ref.getKey()) == null ? null : decode(s.getData().get(ref.getKey()));
      if (v == null && !optional) {
        throw new MissingReferenceException(s == null ? "secret \"" + ref.getName() + "\" not found"
            : "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
      }
      return v;
    }
    return null;
  }

  static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  /**
   * Kubernetes' expansion: {@code $(NAME)} becomes the value when NAME is defined and stays as
   * written otherwise; {@code $$} is an escaped {@code $}.
   */
  public static String expand(String input, Map<String, String> env) {
    StringBuilder out = new StringBuilder(input.length());
    int i = 0;
    while (i < input.length()) {
      char c = input.charAt(i);
      if (c != '$' || i + 1 >= input.length()) {
        out.append(c);
        i++;
        continue;
      }
      char next = input.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i += 2;
      } else if (next == '(') {
        int close = input.indexOf(')', i + 2);
        if (close < 0) {
          out.append(input, i, input.length());
          break;
        }
        String name = input.substring(i + 2, close);
        String value = env.get(name);
        out.append(value != null ? value : input.substring(i, close + 1));
        i = close + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  public static List<String> expand(List<String> words, Map<String, String> env) {
    return words.stream().map(w -> expand(w, env)).toList();
  }

  /** A resource value in units of {@code divisor} (default 1), rounded up as the kubelet does. */
  static String scaled(Quantity value, Quantity divisor) {
    BigDecimal v = value == null ? BigDecimal.ZERO : value.getNumericalAmount();
    BigDecimal d = divisor == null || divisor.getAmount() == null ? BigDecimal.ONE : divisor.getNumericalAmount();
    if (d.signum() == 0) d = BigDecimal.ONE;
    return v.divide(d, 0, RoundingMode.CEILING).toPlainString();
  }
}
