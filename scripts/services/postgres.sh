#!/usr/bin/env bash
# PostgreSQL 15 for the tests: one throwaway cluster with all its files under <dir>.
#
#   bash scripts/services/postgres.sh start <dir>   # prints SQUISH_TEST_POSTGRES_URL=... on stdout
#   bash scripts/services/postgres.sh stop <dir>
#
# Listens on 127.0.0.1:5439 + $SQUISH_SERVICES_PORT_OFFSET only, with its Unix sockets in <dir>
# (so nothing clashes with Debian's default cluster on 5432), trust authentication for the
# superuser `postgres` (the tests create and drop databases). Durability is switched off
# (fsync, synchronous commit, full-page writes): a test cluster is thrown away, and these make
# it several times faster on a shared disk. A second `start` on the same <dir> reuses its data.
# Must run as root (the server runs as the postgres user) or as the postgres user itself.
# Only KEY=VALUE lines go to stdout; everything else goes to stderr or <dir>.
set -euo pipefail

BIN=${SQUISH_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
PORT=$((5439 + ${SQUISH_SERVICES_PORT_OFFSET:-0}))

usage() {
  echo "usage: $0 start|stop <dir>" >&2
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

start() {
  local dir=$1 data=$1/data
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_postgres "$BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi
  # max_connections: a cluster test runs several nodes, each with its own pool, beside the tests' own.
  as_postgres "$BIN/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $PORT -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || {
    tail -n 30 "$dir/postgres.log" >&2
    exit 1
  }
  # pg_ctl -w returns once the server accepts connections; check over TCP, which is what the tests use.
  for _ in $(seq 1 100); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres; then
      echo "SQUISH_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
      return 0
    fi
    sleep 0.1
  done
  echo "postgres: not answering on 127.0.0.1:$PORT; see $dir/postgres.log" >&2
  exit 1
}

stop() {
  local data=$1/data
  # Stopped already (or never started): nothing to do.
  [ -f "$data/postmaster.pid" ] || return 0
  # A stale pidfile (the server died) makes pg_ctl fail: that is stopped too, so never fail here.
  as_postgres "$BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >&2 || true
  return 0
}

[ $# -eq 2 ] || usage
case $1 in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) usage ;;
esac
