#!/usr/bin/env bash
# Runs the HeliosDB IO example CopyTableToJson (examples/, see docs/examples.md):
#   1. prepares the local PostgreSQL and MariaDB servers (scripts/prepare-databases.sh),
#   2. builds and installs heliosdb-io and the examples (no tests),
#   3. runs the example with mvn exec:java. Without arguments that is the demo on the Direct
#      runner: it fills the table demo_orders (10,000 rows) in the local PostgreSQL database
#      heliosdb and copies it to target/demo-output/demo_orders-*.json.
# Arguments are passed to the pipeline, e.g.
#   scripts/run-example.sh --runner=FlinkRunner
#   scripts/run-example.sh --output=console
#   HELIOSDB_PASSWORD=secret scripts/run-example.sh --source=jdbc:mariadb://db:3306/shop \
#       --username=reader --table=shop.orders --output=/tmp/orders
# Extra Maven flags can be given in MVN_FLAGS (e.g. MVN_FLAGS=-o to work offline).
# Exits non-zero if any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[run-example] $*"; }

# The embedded Flink cluster needs a setting to find the example's classes under exec:java
# (see examples/flink-conf/config.yaml); harmless for the other runners.
args=("$@")
if [[ " $* " != *" --flinkConfDir="* ]]; then
  args+=("--flinkConfDir=$PWD/examples/flink-conf")
fi

# exec.args is split by Maven on spaces, honouring quotes: quote every argument
exec_args=""
for arg in "${args[@]}"; do
  if [[ $arg != *"'"* ]]; then
    exec_args+=" '$arg'"
  elif [[ $arg != *'"'* ]]; then
    exec_args+=" \"$arg\""
  else
    echo "[run-example] cannot pass an argument with both kinds of quotes: ${arg%%=*}=..." >&2
    exit 2
  fi
done

scripts/prepare-databases.sh

log "building heliosdb-io and the examples"
# shellcheck disable=SC2086
mvn -B -q ${MVN_FLAGS:-} -DskipTests -Djacoco.skip=true install -pl examples -am

log "running io.heliosdb.examples.CopyTableToJson"
# shellcheck disable=SC2086
mvn -B -q ${MVN_FLAGS:-} -pl examples exec:java -Dexec.args="${exec_args# }"
