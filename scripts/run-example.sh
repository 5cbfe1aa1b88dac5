#!/usr/bin/env bash
# Runs a HeliosDB IO example (examples/, see docs/examples.md):
#   1. prepares the local PostgreSQL and MariaDB servers (scripts/prepare-databases.sh),
#   2. builds and installs heliosdb-io and the examples (no tests),
#   3. runs the example with mvn exec:java.
# Without a mode it runs CopyTableToJson. Without arguments that is the demo on the Direct
# runner: it fills the table demo_orders (10,000 rows) in the local PostgreSQL database heliosdb
# and copies it to target/demo-output/demo_orders-*.json.
# With the mode "incremental" or "cdc" it runs a streaming demo on the local PostgreSQL for 20 s
# (--runSeconds) while a background loop changes a demo table, and prints the JSON lines:
#   incremental  PollTableToJson polls demo_poll by updated_at (inserts and updates)
#   cdc          StreamChangesToJson streams demo_cdc (REPLICA IDENTITY FULL) through the slot
#                demo_cdc_slot (inserts, updates, deletes); slot and publication are dropped at
#                the end
# Arguments are passed to the pipeline, e.g.
#   scripts/run-example.sh --runner=FlinkRunner
#   scripts/run-example.sh --output=console
#   HELIOSDB_PASSWORD=secret scripts/run-example.sh --source=jdbc:mariadb://db:3306/shop \
#       --username=reader --table=shop.orders --output=/tmp/orders
#   scripts/run-example.sh incremental --output=target/demo-output/poll   # files per 10 s window
#   scripts/run-example.sh cdc --runner=FlinkRunner
# Extra Maven flags can be given in MVN_FLAGS (e.g. MVN_FLAGS=-o to work offline).
# Exits non-zero if any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[run-example] $*"; }

mode=copy
main_class=io.heliosdb.examples.CopyTableToJson
case "${1:-}" in
  incremental) mode=incremental; main_class=io.heliosdb.examples.PollTableToJson; shift ;;
  cdc) mode=cdc; main_class=io.heliosdb.examples.StreamChangesToJson; shift ;;
esac

# The embedded Flink cluster needs a setting to find the example's classes under exec:java
# (see examples/flink-conf/config.yaml); harmless for the other runners.
args=("$@")
# the streaming demos' settings, unless given on the command line
default_arg() {
  if [[ " ${args[*]} " != *" --$1="* ]]; then
    args+=("--$1=$2")
  fi
}
DEMO_URL=jdbc:postgresql://127.0.0.1:5432/heliosdb
CDC_SLOT=demo_cdc_slot
if [[ $mode != copy ]]; then
  default_arg jdbcUrl "$DEMO_URL"
  default_arg username postgres
  default_arg runSeconds 20
fi
if [[ $mode == incremental ]]; then
  default_arg table demo_poll
  default_arg trackingColumn updated_at
  default_arg pollIntervalSeconds 2
  default_arg commitDelaySeconds 1
elif [[ $mode == cdc ]]; then
  default_arg table demo_cdc
  default_arg slotName "$CDC_SLOT"
fi
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

run_example() {
  log "running $main_class"
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_FLAGS:-} -pl examples exec:java -Dexec.mainClass="$main_class" \
    -Dexec.args="${exec_args# }"
}

if [[ $mode == copy ]]; then
  run_example
  exit 0
fi

########## the streaming demos: a demo table in the local PostgreSQL, changed in the background ##
psql_demo() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -U postgres -d heliosdb -v ON_ERROR_STOP=1 -qAt "$@"; }
writer_pid=""
stop_writer() {
  if [[ -n $writer_pid ]]; then
    kill "$writer_pid" 2>/dev/null || true
    wait "$writer_pid" 2>/dev/null || true
    writer_pid=""
  fi
}
# Drops the demo's replication slot and publication: a leftover slot keeps WAL forever. The slot
# must be inactive, which it is shortly after the pipeline stopped.
drop_cdc_slot() {
  for _ in $(seq 1 30); do
    case $(psql_demo -c "SELECT active FROM pg_replication_slots WHERE slot_name = '$CDC_SLOT'") in
      "") break ;;
      f) psql_demo -c "SELECT pg_drop_replication_slot('$CDC_SLOT')" >/dev/null \
           && log "dropped the replication slot $CDC_SLOT" && break ;;
    esac
    sleep 1
  done
  if [[ -n $(psql_demo -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$CDC_SLOT'") ]]
  then
    log "WARNING: the replication slot $CDC_SLOT is still active; drop it with" \
      "SELECT pg_drop_replication_slot('$CDC_SLOT')"
    return 1
  fi
  psql_demo -c "DROP PUBLICATION IF EXISTS $CDC_SLOT"
}

if [[ $mode == incremental ]]; then
  log "creating the demo table demo_poll"
  psql_demo <<'SQL'
DROP TABLE IF EXISTS demo_poll;
CREATE TABLE demo_poll (
  id bigint PRIMARY KEY,
  item text NOT NULL,
  qty integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE INDEX demo_poll_updated_at ON demo_poll (updated_at, id);
INSERT INTO demo_poll (id, item, qty) SELECT i, 'item ' || i, i FROM generate_series(1, 5) i;
SQL
  # every second: a new row, and an update of an older one (a new updated_at: read again)
  (
    for i in $(seq 6 1000); do
      psql_demo -c "INSERT INTO demo_poll (id, item, qty) VALUES ($i, 'item $i', $i)"
      psql_demo -c "UPDATE demo_poll SET qty = qty + 100, updated_at = clock_timestamp()
                    WHERE id = $((i / 2))"
      sleep 1
    done
  ) &
  writer_pid=$!
  trap stop_writer EXIT
else
  log "creating the demo table demo_cdc, its publication and the replication slot $CDC_SLOT"
  drop_cdc_slot # of an earlier, interrupted run
  psql_demo <<SQL
DROP TABLE IF EXISTS demo_cdc;
CREATE TABLE demo_cdc (
  id bigint PRIMARY KEY,
  item text NOT NULL,
  qty integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
-- complete before images of updates and deletes
ALTER TABLE demo_cdc REPLICA IDENTITY FULL;
-- created before the pipeline runs, so that the stream starts here and sees every change below
CREATE PUBLICATION $CDC_SLOT FOR TABLE demo_cdc;
SELECT 1 FROM pg_create_logical_replication_slot('$CDC_SLOT', 'pgoutput');
SQL
  # every second: a new row; an update of the one before; every third second a delete
  (
    for i in $(seq 1 1000); do
      psql_demo -c "INSERT INTO demo_cdc (id, item, qty) VALUES ($i, 'item $i', $i)"
      if ((i > 1)); then
        psql_demo -c "UPDATE demo_cdc SET qty = qty + 100, updated_at = clock_timestamp()
                      WHERE id = $((i - 1))"
      fi
      if ((i % 3 == 0)); then
        psql_demo -c "DELETE FROM demo_cdc WHERE id = $((i - 2))"
      fi
      sleep 1
    done
  ) &
  writer_pid=$!
  trap 'stop_writer; drop_cdc_slot' EXIT
fi

output_dir=""
for arg in "${args[@]}"; do
  if [[ $arg == --output=* && $arg != --output=stdout ]]; then output_dir=${arg#--output=}; fi
done
if [[ $mode == incremental && -n $output_dir ]]; then
  rm -f "$output_dir"/rows-*.json # of an earlier demo
fi
run_example
stop_writer
if [[ $mode == incremental && -n $output_dir ]]; then
  log "files written to $output_dir (the last window, still open when the pipeline stopped, is not):"
  ls -l "$output_dir"
fi
