#!/usr/bin/env bash
# Prepares the local PostgreSQL and MariaDB servers for HeliosDB IO's tests, demo and benchmarks.
# Idempotent: safe to run any number of times; a server is restarted only when a setting that
# needs a restart differs. Installs the servers from Debian's packages if they are missing.
#   PostgreSQL: wal_level=logical (CDC), replication slots, trust on 127.0.0.1; database heliosdb
#   MariaDB:    binary log in ROW format with full row images (CDC), in files of at most 64 MB;
#               database heliosdb
set -euo pipefail

log() { echo "[prepare-databases] $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v mariadbd >/dev/null 2>&1 \
    && [ ! -x /usr/sbin/mariadbd ]; then
  log "installing postgresql and mariadb-server"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q postgresql mariadb-server
fi

########## PostgreSQL ##########
PGV=$(ls /etc/postgresql | sort -n | tail -1)
PGCONF=/etc/postgresql/$PGV/main
[ -d "$PGCONF" ] || as_root pg_createcluster "$PGV" main
as_root mkdir -p "$PGCONF/conf.d"
as_root tee "$PGCONF/conf.d/91-heliosdb.conf" >/dev/null <<'CONF'
# managed by heliosdb scripts/prepare-databases.sh
listen_addresses = '127.0.0.1'
port = 5432
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
CONF
if ! grep -q "include_dir = 'conf.d'" "$PGCONF/postgresql.conf" 2>/dev/null \
    && ! grep -Eq "^include_dir\s*=\s*'conf.d'" "$PGCONF/postgresql.conf"; then
  echo "include_dir = 'conf.d'" | as_root tee -a "$PGCONF/postgresql.conf" >/dev/null
fi
HBA=$PGCONF/pg_hba.conf
for line in "host all all 127.0.0.1/32 trust" "host replication all 127.0.0.1/32 trust"; do
  # shellcheck disable=SC2086
  if ! grep -Eq "^$(echo $line | sed 's/ /\\s+/g')\s*$" "$HBA"; then
    # earlier lines win in pg_hba.conf: put ours first
    as_root sed -i "1i $line" "$HBA"
  fi
done
as_root chown postgres:postgres "$PGCONF/conf.d/91-heliosdb.conf" "$HBA" 2>/dev/null || true

pg_online() { pg_lsclusters -h | awk -v v="$PGV" '$1==v && $2=="main"' | grep -q online; }
if pg_online; then
  if [ "$(psql -h 127.0.0.1 -U postgres -Atc 'show wal_level')" != "logical" ]; then
    log "restarting PostgreSQL for wal_level=logical"
    as_root pg_ctlcluster --skip-systemctl-redirect "$PGV" main restart
  else
    as_root pg_ctlcluster --skip-systemctl-redirect "$PGV" main reload
  fi
else
  log "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$PGV" main start
fi
for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='heliosdb'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "create database heliosdb"
log "PostgreSQL: $(psql -h 127.0.0.1 -U postgres -Atc "select current_setting('server_version') || ', wal_level=' || current_setting('wal_level')")"

########## MariaDB ##########
as_root mkdir -p /etc/mysql/conf.d
as_root tee /etc/mysql/conf.d/91-heliosdb.cnf >/dev/null <<'CONF'
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
  echo '!includedir /etc/mysql/conf.d/' | as_root tee -a /etc/mysql/my.cnf >/dev/null
fi

maria() { mariadb --protocol=socket -u root "$@" 2>/dev/null || mariadb -h 127.0.0.1 -P 3306 -u root "$@"; }
maria_up() { mariadb-admin --protocol=socket -u root ping >/dev/null 2>&1 \
  || mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }
start_maria() {
  as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do maria_up && return 0; sleep 1; done
  log "MariaDB did not start; see /var/log/mysql/error.log"; return 1
}
if maria_up; then
  current=$(maria -NBe "select concat(if(@@log_bin,1,0), ' ', @@binlog_format, ' ', @@binlog_row_image)")
  if [ "$current" != "1 ROW FULL" ]; then
    log "restarting MariaDB for the ROW binary log (was: $current)"
    mariadb-admin --protocol=socket -u root shutdown 2>/dev/null \
      || mariadb-admin -h 127.0.0.1 -P 3306 -u root shutdown
    for _ in $(seq 1 60); do maria_up || break; sleep 1; done
    start_maria
  fi
else
  log "starting MariaDB"
  start_maria
fi
maria -e "SET GLOBAL max_binlog_size = 67108864" # also without a restart
# root over TCP with an empty password, as the tests and the demo expect
maria -e "CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
  GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
  CREATE DATABASE IF NOT EXISTS heliosdb;"
log "MariaDB: $(mariadb -h 127.0.0.1 -P 3306 -u root -NBe "select concat(version(), ', log_bin=', @@log_bin, ', binlog_format=', @@binlog_format)")"
