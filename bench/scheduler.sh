#!/usr/bin/env bash
# Scheduler benchmark (issue 4): scheduler_perf's SchedulingBasic through the API against a child
# 'gubernator server' (API server, controllers and scheduler in one process): plain Node objects,
# initial pods, then measured pods; prints pods/s. Not part of the test run. About 1 minute.
#
#   bench/scheduler.sh [nodes=5000] [initPods=1000] [measuredPods=10000]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../hack/lib.sh
. "$root/hack/lib.sh"
find_jdk
cd "$root"
cp_file="$root/bench/target/bench.classpath"
flock /tmp/gubernator-mvn.lock mvn -B -q -pl launcher,bench -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime
exec "$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Djava.util.logging.config.file=/dev/null \
  -cp "$root/bench/target/classes:$(cat "$cp_file")" io.gubernator.bench.scheduler.SchedulingBasicBenchmark "$root" "$@"
