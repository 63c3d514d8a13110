#!/usr/bin/env bash
# A shared POSIX mount for the tests: glusterd with its state under <dir>, a one-brick GlusterFS
# volume, and that volume mounted through FUSE at <dir>/mnt.
#
#   bash scripts/services/gluster.sh start <dir>   # prints SQUISH_TEST_GLUSTER_DIR (a folder on the mount)
#   bash scripts/services/gluster.sh stop <dir>    # unmounts, stops and deletes the volume, stops glusterd
#
# glusterd is a machine-wide singleton (port 24007 and /var/run/gluster/glusterd.socket, which the
# gluster CLI always uses), so $SQUISH_SERVICES_PORT_OFFSET does not apply and only one instance
# can run at a time; start refuses to run beside another glusterd. Needs root (FUSE mount).
# Only KEY=VALUE lines go to stdout; progress goes to stderr, the daemons log under <dir>/logs.
set -euo pipefail

VOLUME=squish-test
GLUSTERD_PORT=24007

usage() {
  echo "usage: $0 start|stop <dir>" >&2
  exit 2
}
[ $# -eq 2 ] || usage
ACTION=$1
mkdir -p "$2"
D=$(cd "$2" && pwd)
LOGS=$D/logs

log() { echo "gluster: $*" >&2; }
# shellcheck source=scripts/services/lib.sh
source "$(dirname "$0")/lib.sh"
elapsed() { echo "$(($(date +%s) - STARTED)) s"; }
cli() { timeout 30 gluster --mode=script "$@"; }

# The brick processes of our volume, found by their pidfiles (glusterd keeps them under
# /var/run/gluster whatever its working directory) and checked to serve a brick under <dir>.
our_brick_pids() {
  local pidfile pid
  for pidfile in /var/run/gluster/vols/"$VOLUME"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$D/brick"; then echo "$pid"; fi
  done
}

stop() {
  if mountpoint -q "$D/mnt" 2>/dev/null; then
    umount "$D/mnt" 2>/dev/null || {
      # Busy (a test still holds a file open): detach now, the kernel finishes when it is released.
      log "the mount is busy; detaching it lazily"
      umount -l "$D/mnt" || true
    }
  fi
  local glusterd_pid=""
  [ -f "$D/glusterd.pid" ] && glusterd_pid=$(cat "$D/glusterd.pid" 2>/dev/null || true)
  if alive "$glusterd_pid"; then
    cli volume stop "$VOLUME" force >/dev/null 2>&1 || true
    cli volume delete "$VOLUME" >/dev/null 2>&1 || true
  fi
  local pid
  for pid in $(our_brick_pids); do stop_pid "$pid" "brick"; done
  stop_pid "$glusterd_pid" glusterd
  rm -f "$D/glusterd.pid"
}

# The brick's host: the CLI refuses localhost and 127.x, so it must be a name of this machine that
# resolves to one of its own addresses. Prints the name and its IPv4 address.
brick_host() {
  local name address
  name=$(hostname)
  case "$name" in
  '' | localhost | localhost.* | 127.*)
    log "the hostname '$name' cannot name a brick (GlusterFS refuses localhost and 127.x): set a real hostname"
    return 1
    ;;
  esac
  address=$(getent ahostsv4 "$name" | awk 'NR == 1 { print $1 }')
  if [ -z "$address" ]; then
    log "the hostname '$name' does not resolve (getent ahostsv4 $name): add it to /etc/hosts"
    return 1
  fi
  if [[ $address != 127.* ]] && ! ip -o -4 addr show | grep -qF " $address/"; then
    log "the hostname '$name' resolves to $address, which is not an address of this machine"
    return 1
  fi
  echo "$name $address"
}

start() {
  STARTED=$(date +%s)
  for tool in glusterd gluster glusterfsd mount.glusterfs getent mountpoint; do
    command -v "$tool" >/dev/null || {
      log "$tool is missing: run scripts/setup.sh --test"
      exit 1
    }
  done
  local host address
  read -r host address < <(brick_host)
  [ -n "${address:-}" ] || exit 1
  if ss -Hltn "sport = :$GLUSTERD_PORT" | grep -q .; then
    log "port $GLUSTERD_PORT is taken: glusterd is a machine-wide singleton and another one runs (stop it first)"
    exit 1
  fi
  # From here on, a start that fails half-way stops what it started (set -e ends the script at
  # the failure). Not before: a refused start must not stop an instance that runs in this folder.
  trap 'code=$?; if [ "$code" != 0 ]; then stop; fi; exit "$code"' EXIT
  stop # leftovers of an earlier run in the same folder
  rm -rf "$D"/{state,logs,brick,glusterd.vol}
  mkdir -p "$D"/{state,logs,brick,mnt}
  # Debian's glusterd.vol with our working directory, listening only on the brick host's address.
  sed -e "s#/var/lib/glusterd#$D/state#" \
    -e "s#option transport.socket.listen-port $GLUSTERD_PORT#&\n    option transport.socket.bind-address $address\n    option transport.address-family inet#" \
    /etc/glusterfs/glusterd.vol >"$D/glusterd.vol"
  glusterd -f "$D/glusterd.vol" -p "$D/glusterd.pid" -l "$D/logs/glusterd.log"
  wait_for 60 "glusterd to answer" cli pool list
  log "glusterd answers ($(elapsed))"

  # 'force': the brick sits on the root file system, which GlusterFS otherwise refuses.
  cli volume create "$VOLUME" "$host:$D/brick/data" force >&2
  # Without these, another client (another machine's mount) keeps seeing a deleted or replaced
  # file for about a second through its metadata and small-file caches, and an open of a replaced
  # file can fail with ESTALE (measured here: a delete visible after ~1000 ms, 45-62 stale stats;
  # with them, at once). Squish's blobs are written once, but an API node must not serve a deleted
  # one. deploy/ documents the same settings for a production volume.
  cli volume set "$VOLUME" performance.stat-prefetch off performance.quick-read off performance.open-behind off >&2
  cli volume start "$VOLUME" >&2
  mount -t glusterfs -o "log-file=$D/logs/mnt.log" "$host:/$VOLUME" "$D/mnt"
  wait_for 30 "the volume to be mounted" mountpoint -q "$D/mnt"
  mkdir -p "$D/mnt/squish"
  # Written through the mount and read back from the brick: the mount really is the volume.
  echo "$STARTED" >"$D/mnt/squish/.probe"
  wait_for 10 "a write through the mount to reach the brick" grep -qx "$STARTED" "$D/brick/data/squish/.probe"
  rm -f "$D/mnt/squish/.probe"
  log "volume $VOLUME mounted at $D/mnt ($(elapsed))"
  echo "SQUISH_TEST_GLUSTER_DIR=$D/mnt/squish"
}

case "$ACTION" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
