#!/usr/bin/env bash
# pg_cluster.sh: throwaway PostgreSQL 15 clusters for tests and benchmarks.
#
# Every cluster lives in one temporary directory (its data directories, logs and Unix sockets), listens
# on 127.0.0.1 only, on a free port, with trust authentication for the superuser `twoline`, and is
# removed with that directory afterwards. No system service is used or changed.
#
# PostgreSQL refuses to run as root. When this script runs as root, the directory is given to the
# unprivileged `postgres` user that Debian's postgresql package creates, and every server program runs
# as that user (runuser); otherwise everything runs as the calling user.
#
# Usage:
#   pg_cluster.sh start DIR [OWNER_PID]   initdb + start a primary in DIR (created; must not exist).
#                                         Prints the primary's conninfo. With OWNER_PID, a watchdog
#                                         destroys the cluster once that process is gone (a test that
#                                         crashes or is killed leaves nothing behind).
#   pg_cluster.sh standby DIR             pg_basebackup a streaming standby of the primary, start it and
#                                         make it the primary's synchronous standby (synchronous_commit
#                                         on, synchronous_standby_names = standby1); waits until the
#                                         primary reports it `sync`. Prints the standby's conninfo.
#   pg_cluster.sh conninfo DIR primary|standby   prints that server's conninfo.
#   pg_cluster.sh stop DIR primary|standby [MODE]  pg_ctl stop (MODE fast by default; immediate = crash).
#   pg_cluster.sh promote DIR             promotes the standby (waits until it accepts writes).
#   pg_cluster.sh destroy DIR             stops every server of DIR and removes DIR.
#   pg_cluster.sh psql DIR primary|standby [ARGS...]  psql against that server as twoline.
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PG_FSYNC (on|off, default on).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_FSYNC=${PG_FSYNC:-on}
superuser=twoline

die() {
  echo "pg_cluster.sh: $*" >&2
  exit 1
}

# Runs a server program as the user that owns the clusters.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_of() { cat "$1/$2.port"; }
conninfo() { echo "host=127.0.0.1 port=$(port_of "$1" "$2") user=$superuser dbname=postgres connect_timeout=5"; }
psql_on() {
  local dir=$1 server=$2
  shift 2
  as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port_of "$dir" "$server")" \
    -U "$superuser" -d postgres "$@"
}

# Starts the server of data directory DIR/SERVER on a free port (retrying if another process took the
# port between the probe and the start).
start_server() {
  local dir=$1 server=$2 attempt port
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/$server" -l "$dir/$server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c fsync=$PG_FSYNC" \
      start >/dev/null; then
      echo "$port" > "$dir/$server.port"
      return 0
    fi
    tail -n 5 "$dir/$server.log" >&2 || true
  done
  die "cannot start $server in $dir (log: $dir/$server.log)"
}

make_directory() {
  local dir=$1 parent
  [ -e "$dir" ] && die "$dir already exists"
  parent=$(dirname "$dir")
  mkdir -m 700 "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (Debian's postgresql package)"
    runuser -u postgres -- test -x "$parent" || die "the postgres user cannot reach $parent (set TMPDIR)"
    chown postgres: "$dir"
  fi
}

# Destroys the cluster once process OWNER_PID has exited (polled: there is no portable wait for a
# process that is not a child).
start_watchdog() {
  local dir=$1 owner=$2
  (
    trap '' HUP INT
    while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
    "$0" destroy "$dir" >/dev/null 2>&1 || true
  ) </dev/null >/dev/null 2>&1 &
  disown
}

cmd_start() {
  local dir=${1:?DIR} owner=${2:-}
  make_directory "$dir"
  as_owner "$PG_BIN/initdb" --no-sync -D "$dir/primary" -U "$superuser" --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Room for several nodes with their reader pools, and WAL senders for a standby.
  cat >>"$dir/primary/postgresql.conf" <<EOF
max_connections = 300
wal_level = replica
max_wal_senders = 4
synchronous_commit = on
EOF
  start_server "$dir" primary
  if [ -n "$owner" ]; then start_watchdog "$dir" "$owner"; fi
  conninfo "$dir" primary
}

cmd_standby() {
  local dir=${1:?DIR} port
  port=$(port_of "$dir" primary)
  as_owner "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U "$superuser" -D "$dir/standby" \
    -X stream --no-sync >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; die "pg_basebackup failed"; }
  as_owner touch "$dir/standby/standby.signal"
  as_owner tee -a "$dir/standby/postgresql.auto.conf" >/dev/null <<EOF
primary_conninfo = 'host=127.0.0.1 port=$port user=$superuser application_name=standby1'
EOF
  start_server "$dir" standby
  # Only now does the primary wait for the standby: set after the base backup, so that the standby
  # (and a promoted standby) does not inherit it and wait for a standby of its own.
  psql_on "$dir" primary -c "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" \
    -c "SELECT pg_reload_conf()" >/dev/null
  local state=""
  for _ in $(seq 1 600); do
    state=$(psql_on "$dir" primary -At -c \
      "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'" || true)
    [ "$state" = sync ] && break
    sleep 0.1
  done
  [ "$state" = sync ] || die "the standby did not become synchronous (state '$state')"
  conninfo "$dir" standby
}

cmd_stop() {
  local dir=${1:?DIR} server=${2:?SERVER} mode=${3:-fast}
  as_owner "$PG_BIN/pg_ctl" -D "$dir/$server" -m "$mode" -w -t 60 stop >/dev/null
}

cmd_promote() {
  local dir=${1:?DIR}
  as_owner "$PG_BIN/pg_ctl" -D "$dir/standby" -w -t 60 promote >/dev/null
  for _ in $(seq 1 600); do
    [ "$(psql_on "$dir" standby -At -c 'SELECT pg_is_in_recovery()' || true)" = f ] && return 0
    sleep 0.1
  done
  die "the standby did not leave recovery"
}

cmd_destroy() {
  local dir=${1:?DIR} server
  [ -d "$dir" ] || return 0
  for server in standby primary; do
    if [ -f "$dir/$server/postmaster.pid" ]; then
      as_owner "$PG_BIN/pg_ctl" -D "$dir/$server" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$dir"
}

action=${1:-}
shift || true
case "$action" in
  start) cmd_start "$@" ;;
  standby) cmd_standby "$@" ;;
  conninfo) conninfo "${1:?DIR}" "${2:?SERVER}" ;;
  stop) cmd_stop "$@" ;;
  promote) cmd_promote "$@" ;;
  destroy) cmd_destroy "$@" ;;
  psql) psql_on "$@" ;;
  *) die "usage: pg_cluster.sh start|standby|conninfo|stop|promote|destroy|psql DIR ..." ;;
esac
