#!/usr/bin/env bash
# Prepares the local PostgreSQL and MariaDB servers for HeliosDB IO's tests, demo and benchmarks.
# Idempotent: safe to run any number of times; a server is restarted only when a setting that
# needs a restart differs. Installs the servers from Debian's packages if they are missing.
#   PostgreSQL: wal_level=logical (CDC), replication slots (conf.d/91-heliosdb.conf);
#               database heliosdb
#   MariaDB:    binary log in ROW format with full row images (CDC), in files of at most 64 MB
#               (conf.d/91-heliosdb.cnf); database heliosdb
# Passwordless access (the tests connect as postgres and root without a password) is only added
# with consent, because it lets every local user and program read and change every database of
# both servers:
#   PostgreSQL: "host all all 127.0.0.1/32 trust" and "host replication all 127.0.0.1/32 trust"
#               as the first lines of pg_hba.conf
#   MariaDB:    a user root@'127.0.0.1' with an empty password and all privileges
# Consent is --trust-local or HELIOSDB_TRUST_LOCAL=1 (CI sets it), or a "y" to the question asked
# on a terminal. Without it the script prints what it would add and exits with status 3.
# --dry-run prints every change it would make (files, restarts, statements) and changes nothing.
set -euo pipefail

DRY_RUN=0
TRUST_LOCAL=${HELIOSDB_TRUST_LOCAL:-0}
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    --trust-local) TRUST_LOCAL=1 ;;
    *) echo "usage: $0 [--dry-run] [--trust-local]" >&2; exit 2 ;;
  esac
done

log() { echo "[prepare-databases] $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# Runs a command that changes the machine, or only prints it with --dry-run.
change() {
  if [ "$DRY_RUN" = 1 ]; then log "would run: $*"; else as_root "$@"; fi
}
# Writes a file unless it already has this content.
write_file() {
  local path=$1 content
  content=$(cat)
  if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then
    return 0
  fi
  if [ "$DRY_RUN" = 1 ]; then
    log "would write $path:"; printf '%s\n' "$content" | sed 's/^/    /'
  else
    printf '%s\n' "$content" | as_root tee "$path" >/dev/null
  fi
}
# Whether passwordless local access may be added; asks on a terminal.
trust_allowed() {
  local what=$1
  [ "$TRUST_LOCAL" = 1 ] && return 0
  if [ "$DRY_RUN" = 1 ]; then
    log "would ask first (or need --trust-local): add $what"; return 0
  fi
  if [ -t 0 ]; then
    local answer
    read -r -p "[prepare-databases] add $what? Every local user could then read and change every database of the server [y/N] " answer
    [[ "$answer" =~ ^[yY] ]] && return 0
  fi
  log "not changed: $what"
  log "run again with --trust-local (or HELIOSDB_TRUST_LOCAL=1) to add it, or give the tests"
  log "a database with a password: HELIOSDB_TEST_POSTGRES_URL / HELIOSDB_TEST_MYSQL_URL with"
  log "_USER and _PASSWORD (docs/testing.md)"
  exit 3
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v mariadbd >/dev/null 2>&1 \
    && [ ! -x /usr/sbin/mariadbd ]; then
  log "installing postgresql and mariadb-server"
  change apt-get update -q
  DEBIAN_FRONTEND=noninteractive change apt-get install -y -q postgresql mariadb-server
  if [ "$DRY_RUN" = 1 ]; then log "dry run: the servers are not installed, nothing more to show"; exit 0; fi
fi

########## PostgreSQL ##########
PGV=$(ls /etc/postgresql | sort -n | tail -1)
PGCONF=/etc/postgresql/$PGV/main
[ -d "$PGCONF" ] || change pg_createcluster "$PGV" main
[ -d "$PGCONF/conf.d" ] || change mkdir -p "$PGCONF/conf.d"
write_file "$PGCONF/conf.d/91-heliosdb.conf" <<'CONF'
# managed by heliosdb scripts/prepare-databases.sh
listen_addresses = '127.0.0.1'
port = 5432
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
CONF
if ! grep -Eq "^include_dir\s*=\s*'conf.d'" "$PGCONF/postgresql.conf" 2>/dev/null; then
  if [ "$DRY_RUN" = 1 ]; then
    log "would append to $PGCONF/postgresql.conf: include_dir = 'conf.d'"
  else
    echo "include_dir = 'conf.d'" | as_root tee -a "$PGCONF/postgresql.conf" >/dev/null
  fi
fi
HBA=$PGCONF/pg_hba.conf
missing=()
for line in "host all all 127.0.0.1/32 trust" "host replication all 127.0.0.1/32 trust"; do
  # shellcheck disable=SC2086
  if ! grep -Eq "^$(echo $line | sed 's/ /\\s+/g')\s*$" "$HBA" 2>/dev/null; then
    missing+=("$line")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  trust_allowed "$(printf '"%s", ' "${missing[@]}")as the first lines of $HBA"
  for line in "${missing[@]}"; do
    # earlier lines win in pg_hba.conf: put ours first
    change sed -i "1i $line" "$HBA"
  done
  [ "$DRY_RUN" = 1 ] || as_root chown postgres:postgres "$HBA" 2>/dev/null || true
fi
[ "$DRY_RUN" = 1 ] || as_root chown postgres:postgres "$PGCONF/conf.d/91-heliosdb.conf" 2>/dev/null || true

pg_online() { pg_lsclusters -h | awk -v v="$PGV" '$1==v && $2=="main"' | grep -q online; }
if pg_online; then
  if [ "$(psql -h 127.0.0.1 -U postgres -Atc 'show wal_level' 2>/dev/null)" != "logical" ]; then
    log "restarting PostgreSQL for wal_level=logical"
    change pg_ctlcluster --skip-systemctl-redirect "$PGV" main restart
  elif [ ${#missing[@]} -gt 0 ] || [ "$DRY_RUN" = 0 ]; then
    # a reload applies pg_hba.conf and the settings that need no restart
    change pg_ctlcluster --skip-systemctl-redirect "$PGV" main reload
  fi
else
  log "starting PostgreSQL"
  change pg_ctlcluster --skip-systemctl-redirect "$PGV" main start
fi
if [ "$DRY_RUN" = 1 ]; then
  psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='heliosdb'" \
      2>/dev/null | grep -q 1 || log "would run in PostgreSQL: create database heliosdb"
else
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='heliosdb'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "create database heliosdb"
  log "PostgreSQL: $(psql -h 127.0.0.1 -U postgres -Atc "select current_setting('server_version') || ', wal_level=' || current_setting('wal_level')")"
fi

########## MariaDB ##########
[ -d /etc/mysql/conf.d ] || change mkdir -p /etc/mysql/conf.d
write_file /etc/mysql/conf.d/91-heliosdb.cnf <<'CONF'
# managed by heliosdb scripts/prepare-databases.sh
[mariadbd]
bind-address     = 127.0.0.1
port             = 3306
server_id        = 1
log_bin          = /var/lib/mysql/mariadb-bin
binlog_format    = ROW
binlog_row_image = FULL
# a binlog reader that starts at a GTID makes MariaDB 10.11 read the binlog file that holds it from
# its beginning: small files keep that short (the tests and benchmarks write gigabytes)
max_binlog_size  = 64M
CONF
if [ -f /etc/mysql/my.cnf ] && ! grep -q '^!includedir /etc/mysql/conf.d' /etc/mysql/my.cnf; then
  if [ "$DRY_RUN" = 1 ]; then
    log "would append to /etc/mysql/my.cnf: !includedir /etc/mysql/conf.d/"
  else
    echo '!includedir /etc/mysql/conf.d/' | as_root tee -a /etc/mysql/my.cnf >/dev/null
  fi
fi

maria() { mariadb --protocol=socket -u root "$@" 2>/dev/null || mariadb -h 127.0.0.1 -P 3306 -u root "$@"; }
maria_up() { mariadb-admin --protocol=socket -u root ping >/dev/null 2>&1 \
  || mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }
start_maria() {
  change mkdir -p /run/mysqld && change chown mysql:mysql /run/mysqld 2>/dev/null || true
  change start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  [ "$DRY_RUN" = 1 ] && return 0
  for _ in $(seq 1 60); do maria_up && return 0; sleep 1; done
  log "MariaDB did not start; see /var/log/mysql/error.log"; return 1
}
maria_statement() {
  if [ "$DRY_RUN" = 1 ]; then log "would run in MariaDB: $1"; else maria -e "$1"; fi
}
if maria_up; then
  current=$(maria -NBe "select concat(if(@@log_bin,1,0), ' ', @@binlog_format, ' ', @@binlog_row_image)")
  if [ "$current" != "1 ROW FULL" ]; then
    log "restarting MariaDB for the ROW binary log (was: $current)"
    if [ "$DRY_RUN" = 1 ]; then
      log "would run: mariadb-admin shutdown, then start /usr/sbin/mariadbd"
    else
      mariadb-admin --protocol=socket -u root shutdown 2>/dev/null \
        || mariadb-admin -h 127.0.0.1 -P 3306 -u root shutdown
      for _ in $(seq 1 60); do maria_up || break; sleep 1; done
      start_maria
    fi
  fi
else
  log "starting MariaDB"
  start_maria
fi
if [ "$DRY_RUN" = 1 ] && ! maria_up; then
  log "dry run: MariaDB is not running, its users and databases are not shown"
  exit 0
fi
[ "$(maria -NBe 'select @@max_binlog_size')" = 67108864 ] \
  || maria_statement "SET GLOBAL max_binlog_size = 67108864" # also without a restart
if [ "$(maria -NBe "select count(*) from mysql.user where user = 'root' and host = '127.0.0.1'")" = 0 ]; then
  trust_allowed "the MariaDB user root@'127.0.0.1' with an empty password and all privileges"
  # root over TCP with an empty password, as the tests and the demo expect
  maria_statement "CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
  GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;"
fi
[ "$(maria -NBe "select count(*) from information_schema.schemata where schema_name = 'heliosdb'")" = 1 ] \
  || maria_statement "CREATE DATABASE IF NOT EXISTS heliosdb;"
if [ "$DRY_RUN" = 0 ]; then
  log "MariaDB: $(mariadb -h 127.0.0.1 -P 3306 -u root -NBe "select concat(version(), ', log_bin=', @@log_bin, ', binlog_format=', @@binlog_format)")"
else
  log "dry run: nothing changed"
fi
