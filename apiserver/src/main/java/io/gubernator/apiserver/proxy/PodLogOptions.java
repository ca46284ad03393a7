package io.gubernator.apiserver.proxy;

import io.gubernator.api.errors.StatusException;
import io.vertx.core.MultiMap;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The query of {@code pods/log}, decoded and validated as Kubernetes' PodLogOptions. */
record PodLogOptions(String container, boolean follow, boolean previous, boolean timestamps, Long sinceSeconds,
    Instant sinceTime, Long tailLines, Long limitBytes, boolean insecureSkipTLSVerifyBackend) {

  static PodLogOptions parse(MultiMap params, String podName) {
    PodLogOptions o = new PodLogOptions(params.get("container"), flag(params, "follow"), flag(params, "previous"),
        flag(params, "timestamps"), int64(params, "sinceSeconds"), time(params, "sinceTime"), int64(params, "tailLines"),
        int64(params, "limitBytes"), flag(params, "insecureSkipTLSVerifyBackend"));
    o.validate(podName);
    return o;
  }

  /**
   * A boolean query parameter as Kubernetes converts one: absent, "0" and "false" are false,
   * anything else (even an empty value) is true.
   */
  static boolean flag(MultiMap params, String name) {
    List<String> values = params.getAll(name);
    if (values.isEmpty()) return false;
    String v = values.getFirst();
    return !(v.equals("0") || v.equalsIgnoreCase("false"));
  }

  private static Long int64(MultiMap params, String name) {
    String v = params.get(name);
    if (v == null) return null;
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw StatusException.badRequest("strconv.ParseInt: parsing \"" + v + "\": invalid syntax");
    }
  }

  private static Instant time(MultiMap params, String name) {
    String v = params.get(name);
    if (v == null || v.isEmpty()) return null;
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      throw StatusException.badRequest("parsing time \"" + v + "\" as \"2006-01-02T15:04:05Z07:00\": cannot parse");
    }
  }

  /** Kubernetes' ValidatePodLogOptions: 422 on the PodLogOptions named after the pod. */
  private void validate(String podName) {
    List<StatusException.Cause> causes = new ArrayList<>();
    if (tailLines != null && tailLines < 0) {
      causes.add(new StatusException.Cause("FieldValueInvalid", "Invalid value: " + tailLines
          + ": must be greater than or equal to 0", "tailLines"));
    }
    if (limitBytes != null && limitBytes < 1) {
      causes.add(new StatusException.Cause("FieldValueInvalid", "Invalid value: " + limitBytes
          + ": must be greater than 0", "limitBytes"));
    }
    if (sinceSeconds != null && sinceTime != null) {
      causes.add(new StatusException.Cause("FieldValueForbidden",
          "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified", ""));
    } else if (sinceSeconds != null && sinceSeconds < 1) {
      causes.add(new StatusException.Cause("FieldValueInvalid", "Invalid value: " + sinceSeconds
          + ": must be greater than 0", "sinceSeconds"));
    }
    if (!causes.isEmpty()) throw StatusException.invalid("", "PodLogOptions", podName, causes);
  }

  /** The kubelet's containerLogs query, as Kubernetes' LogLocation writes it (sorted keys). */
  String kubeletQuery() {
    Map<String, List<String>> q = new TreeMap<>();
    if (follow) q.put("follow", List.of("true"));
    if (previous) q.put("previous", List.of("true"));
    if (timestamps) q.put("timestamps", List.of("true"));
    if (sinceSeconds != null) q.put("sinceSeconds", List.of(sinceSeconds.toString()));
    if (sinceTime != null) q.put("sinceTime", List.of(sinceTime.truncatedTo(ChronoUnit.SECONDS).toString()));
    if (tailLines != null) q.put("tailLines", List.of(tailLines.toString()));
    if (limitBytes != null) q.put("limitBytes", List.of(limitBytes.toString()));
    return KubeletProxy.encode(q);
  }
}
