#!/usr/bin/env bash
# PostgreSQL 15 for the tests: a throwaway cluster with all its files under <dir>.
#
#   bash scripts/services/postgres.sh start <dir>    # prints SQUISH_TEST_POSTGRES_URL=... on stdout
#   bash scripts/services/postgres.sh stop <dir>
#   bash scripts/services/postgres.sh start-standby <dir> <primary port>
#                                                    # prints SQUISH_TEST_POSTGRES_STANDBY_URL=...
#
# Listens on 127.0.0.1:5439 + $SQUISH_SERVICES_PORT_OFFSET only (the standby on 5440 + offset;
# $SQUISH_POSTGRES_PORT overrides either), with its Unix sockets in <dir> (so nothing clashes with
# Debian's default cluster on 5432), trust authentication for the superuser `postgres` (the tests
# create and drop databases). Durability is switched off (fsync, synchronous commit, full-page
# writes): a test cluster is thrown away, and these make it several times faster on a shared disk.
# With SQUISH_POSTGRES_SYNC_STANDBY=1, `start` makes a primary whose commits wait until a standby
# has them (synchronous replication), for failover tests that must lose no acknowledged write.
# A second `start` on the same <dir> reuses its data.
# Must run as root (the server runs as the postgres user) or as the postgres user itself.
# Only KEY=VALUE lines go to stdout; everything else goes to stderr or <dir>.
set -euo pipefail

BIN=${SQUISH_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
OFFSET=${SQUISH_SERVICES_PORT_OFFSET:-0}

usage() {
  echo "usage: $0 start <dir> | stop <dir> | start-standby <dir> <primary port>" >&2
  exit 2
}

# Runs a command as the postgres user (directly when already that user).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Makes <dir> and gives it to the postgres user, which must also be able to reach it.
prepare_dir() {
  local dir=$1
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
  if ! as_postgres test -w "$dir"; then
    echo "postgres: the postgres user cannot write $dir (is a parent folder private, as mktemp -d makes it?)" >&2
    exit 1
  fi
}

# Starts the cluster in <dir>/data on <port> with extra server options and waits until it answers.
run_server() {
  local dir=$1 port=$2 options=$3
  # A second start on a running cluster only checks that it answers.
  if ! as_postgres "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # max_connections: a cluster test runs several nodes, each with its own pool, beside the tests' own.
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c full_page_writes=off $options" \
      start >&2 || {
      tail -n 30 "$dir/postgres.log" >&2
      exit 1
    }
  fi
  # pg_ctl -w returns once the server accepts connections; check over TCP, which is what the tests use.
  for _ in $(seq 1 100); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then return 0; fi
    sleep 0.1
  done
  echo "postgres: not answering on 127.0.0.1:$port; see $dir/postgres.log" >&2
  exit 1
}

start() {
  local dir=$1 port=${SQUISH_POSTGRES_PORT:-$((5439 + OFFSET))}
  prepare_dir "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_postgres "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi
  local options="-c synchronous_commit=off"
  if [ "${SQUISH_POSTGRES_SYNC_STANDBY:-}" = 1 ]; then
    # A commit returns once the standby has flushed it, so a promoted standby has every
    # acknowledged write; until a standby connects, commits wait.
    options="-c synchronous_commit=on -c synchronous_standby_names='*'"
  fi
  run_server "$dir" "$port" "$options"
  echo "SQUISH_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
}

# A streaming standby of the primary on 127.0.0.1:<primary port> (initdb's trust rules already
# allow replication connections from 127.0.0.1, and PostgreSQL 15's defaults stream WAL).
start_standby() {
  local dir=$1 primary_port=$2 port=${SQUISH_POSTGRES_PORT:-$((5440 + OFFSET))}
  prepare_dir "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    # -R writes the standby's primary_conninfo and standby.signal; -c fast does not wait for a checkpoint.
    as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/data" -R -X stream \
      -c fast >"$dir/basebackup.log" 2>&1 || {
      cat "$dir/basebackup.log" >&2
      exit 1
    }
  fi
  run_server "$dir" "$port" "-c synchronous_commit=off"
  # Streaming, not only started: a failover test needs the standby to be receiving WAL.
  for _ in $(seq 1 100); do
    if [ "$(as_postgres "$BIN/psql" -X -A -t -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "select status from pg_stat_wal_receiver" 2>/dev/null)" = streaming ]; then
      echo "SQUISH_TEST_POSTGRES_STANDBY_URL=postgres://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    sleep 0.1
  done
  echo "postgres: the standby on $port is not streaming from $primary_port; see $dir/postgres.log" >&2
  exit 1
}

stop() {
  local data=$1/data
  # Stopped already (or never started): nothing to do.
  [ -f "$data/postmaster.pid" ] || return 0
  # A stale pidfile (the server died) makes pg_ctl fail: that is stopped too, so never fail here.
  as_postgres "$BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >&2 || true
}

case ${1:-} in
  start) [ $# -eq 2 ] || usage; start "$2" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  start-standby) [ $# -eq 3 ] || usage; start_standby "$2" "$3" ;;
  *) usage ;;
esac
