#!/usr/bin/env bash
# A standalone Flink 1.19.0 session cluster on this machine: one JobManager and two TaskManagers,
# each its own JVM, built from Flink's jars on Maven Central (no Flink distribution needed).
#
# Usage: scripts/flink-cluster.sh start|stop|status
#
#   start   resolves the class path (scripts/flink-cluster/pom.xml) into target/flink-cluster/lib,
#           writes target/flink-cluster/conf/config.yaml, starts whatever of the JobManager,
#           taskmanager-1 and taskmanager-2 is not running (so a second start changes nothing, and
#           a start after a TaskManager died starts a replacement) and waits until the REST
#           endpoint reports both TaskManagers.
#   stop    stops the three processes (SIGTERM, then SIGKILL after 20 s); nothing to do is fine.
#   status  prints each process and the cluster overview; exit 0 when all three run, 3 otherwise.
#
# Logs: target/flink-cluster/log/<process>.log; pids: target/flink-cluster/run/<process>.pid;
# checkpoints: target/flink-cluster/checkpoints.
#
# Environment (defaults in brackets):
#   FLINK_REST_PORT [18081]   REST endpoint and web UI on localhost; submit with
#                             --flinkMaster=localhost:$FLINK_REST_PORT
#   FLINK_RPC_PORT [16123]    JobManager RPC port (TaskManagers use the next 20 ports)
#   FLINK_TM_SLOTS [2]        task slots per TaskManager
#   FLINK_TM_MEMORY [1024m]   process size of each TaskManager
#   FLINK_JM_MEMORY [1024m]   process size of the JobManager
#   FLINK_CLUSTER_DIR [<repo>/target/flink-cluster]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${FLINK_CLUSTER_DIR:-$ROOT/target/flink-cluster}
REST_PORT=${FLINK_REST_PORT:-18081}
RPC_PORT=${FLINK_RPC_PORT:-16123}
TM_SLOTS=${FLINK_TM_SLOTS:-2}
TM_MEMORY=${FLINK_TM_MEMORY:-1024m}
JM_MEMORY=${FLINK_JM_MEMORY:-1024m}
TASKMANAGERS=(taskmanager-1 taskmanager-2)
JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
# what Flink's own scripts pass to a JDK 17 (env.java.opts.all of the distribution's config.yaml)
JAVA_OPTS=(--add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
  -Dorg.slf4j.simpleLogger.showDateTime=true
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS")

log() { echo "flink-cluster: $*" >&2; }
die() { log "$*"; exit 1; }

# the pid of a running process of ours (its command line names the class), or nothing
running_pid() {
  local name=$1 class=$2 pid
  [ -f "$DIR/run/$name.pid" ] || return 0
  pid=$(cat "$DIR/run/$name.pid")
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$class"; then
    echo "$pid"
  fi
}

overview() { curl -fsS --max-time 5 "http://localhost:$REST_PORT/overview" 2>/dev/null; }

resolve_classpath() {
  local pom=$ROOT/scripts/flink-cluster/pom.xml
  if [ ! -f "$DIR/lib/.resolved" ] || [ "$pom" -nt "$DIR/lib/.resolved" ]; then
    log "resolving Flink's jars from Maven into $DIR/lib"
    rm -rf "$DIR/lib"
    mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$DIR/lib" >&2 || die "could not resolve the jars of $pom"
    touch "$DIR/lib/.resolved"
  fi
  CP="$DIR/lib/*"
}

write_config() {
  mkdir -p "$DIR/conf" "$DIR/log" "$DIR/run" "$DIR/checkpoints" "$DIR/tmp"
  cat >"$DIR/conf/config.yaml" <<EOF
# written by scripts/flink-cluster.sh; changes are overwritten at the next start
jobmanager.rpc.address: localhost
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: localhost
jobmanager.memory.process.size: $JM_MEMORY
taskmanager.host: localhost
taskmanager.bind-host: localhost
taskmanager.rpc.port: $((RPC_PORT + 1))-$((RPC_PORT + 20))
taskmanager.numberOfTaskSlots: $TM_SLOTS
taskmanager.memory.process.size: $TM_MEMORY
rest.address: localhost
rest.bind-address: localhost
rest.port: $REST_PORT
parallelism.default: 1
# a job's tasks spread over both TaskManagers
cluster.evenly-spread-out-slots: true
# checkpoints (a pipeline turns checkpointing on with --checkpointingInterval)
state.backend.type: hashmap
state.checkpoints.dir: file://$DIR/checkpoints
# a failed job restarts from its last checkpoint, 10 times at most, 2 s apart
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 10
restart-strategy.fixed-delay.delay: 2 s
# a TaskManager that stops answering is declared lost after 10 s (default 50 s)
heartbeat.interval: 2000
heartbeat.timeout: 10000
# the REST API's view of a job is at most 0.5 s old (default 3 s)
web.refresh-interval: 500
io.tmp.dirs: $DIR/tmp
EOF
}

# the JVM flags and dynamic options Flink's scripts compute for a process ("TM" or "JM")
resource_params() {
  local kind=$1 out
  out=$(java -cp "$CP" org.apache.flink.runtime.util.bash.BashJavaUtils "GET_${kind}_RESOURCE_PARAMS" \
    --configDir "$DIR/conf" 2>>"$DIR/log/bash-java-utils.log") \
    || die "BashJavaUtils GET_${kind}_RESOURCE_PARAMS failed; see $DIR/log/bash-java-utils.log"
  mapfile -t PARAMS < <(grep '^BASH_JAVA_UTILS_EXEC_RESULT:' <<<"$out" | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://')
  [ ${#PARAMS[@]} -ge 2 ] || die "unexpected BashJavaUtils output: $out"
}

launch() {
  local name=$1 class=$2 jvm=$3 dyn=$4
  shift 4
  # shellcheck disable=SC2086 # the computed flags are space-separated words
  nohup java $jvm "${JAVA_OPTS[@]}" -cp "$CP" "$class" --configDir "$DIR/conf" $dyn "$@" \
    >"$DIR/log/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/run/$name.pid"
  log "started $name (pid $!), log $DIR/log/$name.log"
}

await() {
  local what=$1 test=$2 i
  for ((i = 0; i < 120; i++)); do
    if eval "$test"; then return 0; fi
    sleep 1
  done
  die "$what did not happen within 120 s; see the logs in $DIR/log"
}

registered_taskmanagers() {
  overview | python3 -c 'import json,sys; print(json.load(sys.stdin)["taskmanagers"])' 2>/dev/null || echo 0
}

start() {
  resolve_classpath
  local jm_pid
  jm_pid=$(running_pid jobmanager "$JM_CLASS")
  if [ -z "$jm_pid" ]; then
    write_config
    resource_params JM
    launch jobmanager "$JM_CLASS" "${PARAMS[0]}" "${PARAMS[1]}"
  fi
  await "the JobManager's REST endpoint on localhost:$REST_PORT" 'overview >/dev/null'
  local tm started=0
  resource_params TM
  for tm in "${TASKMANAGERS[@]}"; do
    [ -n "$(running_pid "$tm" "$TM_CLASS")" ] && continue
    launch "$tm" "$TM_CLASS" "${PARAMS[0]}" "${PARAMS[1]}" -D taskmanager.resource-id="$tm"
    started=$((started + 1))
  done
  await "the registration of ${#TASKMANAGERS[@]} TaskManagers" \
    '[ "$(registered_taskmanagers)" -ge ${#TASKMANAGERS[@]} ]'
  log "running: REST http://localhost:$REST_PORT, ${#TASKMANAGERS[@]} TaskManagers x $TM_SLOTS slots" \
    "($started started now)"
}

stop_process() {
  local name=$1 class=$2 pid i
  pid=$(running_pid "$name" "$class")
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
      [ -n "$(running_pid "$name" "$class")" ] || break
      sleep 1
    done
    if [ -n "$(running_pid "$name" "$class")" ]; then
      log "$name (pid $pid) still running after 20 s: SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$DIR/run/$name.pid"
}

stop() {
  local tm
  for tm in "${TASKMANAGERS[@]}"; do stop_process "$tm" "$TM_CLASS"; done
  stop_process jobmanager "$JM_CLASS"
}

status() {
  local all=0 pid name
  for name in jobmanager "${TASKMANAGERS[@]}"; do
    pid=$(running_pid "$name" "$([ $name = jobmanager ] && echo $JM_CLASS || echo $TM_CLASS)")
    if [ -n "$pid" ]; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; all=3; fi
  done
  local o
  if o=$(overview); then echo "overview (http://localhost:$REST_PORT/overview): $o"; fi
  return $all
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
