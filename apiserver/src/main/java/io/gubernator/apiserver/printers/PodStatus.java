package io.gubernator.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;

/** The STATUS column of a pod, worked out the way kubectl's printer does (reason, waiting/terminated containers). */
final class PodStatus {

  private PodStatus() {}

  static String reason(JsonNode pod) {
    JsonNode status = pod.path("status");
    String reason = status.path("reason").asText(status.path("phase").asText("Pending"));
    boolean initializing = false;
    int i = 0;
    JsonNode inits = status.path("initContainerStatuses");
    for (JsonNode c : inits) {
      JsonNode term = c.path("state").path("terminated");
      JsonNode wait = c.path("state").path("waiting");
      if (!term.isMissingNode() && term.path("exitCode").asInt() == 0) {
        i++;
        continue;
      }
      if (!term.isMissingNode()) {
        reason = "Init:" + term.path("reason").asText(term.path("signal").asInt() != 0
            ? "Signal:" + term.path("signal").asInt() : "ExitCode:" + term.path("exitCode").asInt());
      } else if (!wait.isMissingNode() && !wait.path("reason").asText("").isEmpty()
          && !wait.path("reason").asText().equals("PodInitializing")) {
        reason = "Init:" + wait.path("reason").asText();
      } else {
        reason = "Init:" + i + "/" + pod.path("spec").path("initContainers").size();
      }
      initializing = true;
      break;
    }
    if (!initializing) {
      boolean hasRunning = false;
      JsonNode cs = status.path("containerStatuses");
      for (int k = cs.size() - 1; k >= 0; k--) {
        JsonNode c = cs.get(k);
        JsonNode wait = c.path("state").path("waiting");
        JsonNode term = c.path("state").path("terminated");
        if (!wait.isMissingNode() && !wait.path("reason").asText("").isEmpty()) {
          reason = wait.path("reason").asText();
        } else if (!term.isMissingNode()) {
          reason = term.path("reason").asText("").isEmpty()
              ? (term.path("signal").asInt() != 0 ? "Signal:" + term.path("signal").asInt() : "ExitCode:" + term.path("exitCode").asInt())
              : term.path("reason").asText();
        } else if (c.path("ready").asBoolean() && !c.path("state").path("running").isMissingNode()) {
          hasRunning = true;
        }
      }
      if (reason.equals("Completed") && hasRunning) reason = "Running";
    }
    if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
      reason = status.path("reason").asText("").equals("NodeLost") ? "Unknown" : "Terminating";
    }
    return reason;
  }
}
