package io.gubernator.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gubernator} command. */
@Command(name = "gubernator", mixinStandardHelpOptions = true, version = "gubernator 0.1.0",
    description = "A Kubernetes-compatible container orchestrator.",
    subcommands = {ServerCommand.class, AgentCommand.class, HollowNodesCommand.class})
public final class Main implements Runnable {

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) System.exit(code);
  }
}
