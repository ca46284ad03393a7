package io.gubernator.api.resource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;

/** Views of a pod's containers that the API server and the kubelet both take. */
public final class Containers {

  private Containers() {}

  /**
   * An ephemeral container as the container it describes: the fields the two kinds share (all but
   * the target container's name). Ephemeral containers may set none of the others a container has
   * (ports, probes, lifecycle, resources), so none is lost that validation would have let through.
   */
  public static Container of(EphemeralContainer e) {
    Container c = new Container();
    c.setName(e.getName());
    c.setImage(e.getImage());
    c.setImagePullPolicy(e.getImagePullPolicy());
    c.setCommand(e.getCommand());
    c.setArgs(e.getArgs());
    c.setWorkingDir(e.getWorkingDir());
    c.setEnv(e.getEnv());
    c.setEnvFrom(e.getEnvFrom());
    c.setVolumeMounts(e.getVolumeMounts());
    c.setVolumeDevices(e.getVolumeDevices());
    c.setSecurityContext(e.getSecurityContext());
    c.setStdin(e.getStdin());
    c.setStdinOnce(e.getStdinOnce());
    c.setTty(e.getTty());
    c.setTerminationMessagePath(e.getTerminationMessagePath());
    c.setTerminationMessagePolicy(e.getTerminationMessagePolicy());
    c.setPorts(e.getPorts());
    c.setLivenessProbe(e.getLivenessProbe());
    c.setReadinessProbe(e.getReadinessProbe());
    c.setStartupProbe(e.getStartupProbe());
    c.setLifecycle(e.getLifecycle());
    c.setResources(e.getResources());
    c.setRestartPolicy(e.getRestartPolicy());
    return c;
  }
}
