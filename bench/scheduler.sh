#!/usr/bin/env bash
# Scheduler benchmark (issue 4): scheduler_perf workloads through the API, each against a fresh
# child 'gubernator server' (API server, controllers and scheduler in one process, no node agent):
# plain Node objects, initial pods, then measured pods; prints pods/s per shape against upstream's
# CI threshold. Not part of the test run. Roughly 1-3 minutes a shape.
#
#   bench/scheduler.sh [basic|antiaffinity|spread|preemption|all] [--nodes=N] [--init=N] [--measured=N]
#
# basic: SchedulingBasic (5000 nodes, 1000 + 10000 pods); antiaffinity: SchedulingPodAntiAffinity
# (5000, 1000 + 2000); spread: TopologySpreading (5000 in 3 zones, 5000 + 5000); preemption:
# PreemptionBasic (500, 2000 low-priority + 500 high-priority). The count flags override every shape.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../hack/lib.sh
. "$root/hack/lib.sh"
find_jdk
cd "$root"
cp_file="$root/bench/target/bench.classpath"
lock=/tmp/gubernator-mvn.lock
flock "$lock" mvn -B -q -o -pl launcher,bench -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime
# The lock again while measuring: builds and benchmarks share the machine's cores.
exec flock "$lock" "$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Djava.util.logging.config.file=/dev/null \
  -cp "$root/bench/target/classes:$(cat "$cp_file")" io.gubernator.bench.scheduler.SchedulerPerf "$root" "$@"
