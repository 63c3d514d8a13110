#!/usr/bin/env bash
# A real S3 server for the tests: a one-node Ceph cluster (one monitor, one in-memory OSD, no mgr)
# with radosgw in front of it, every file under <dir>. Memstore keeps the objects in RAM, so every
# start is a fresh, empty cluster.
#
#   bash scripts/services/ceph.sh start <dir>   # prints SQUISH_TEST_S3_URL, _ACCESS_KEY, _SECRET_KEY
#   bash scripts/services/ceph.sh stop <dir>
#
# Ports: monitor 6789 and radosgw 7480, each plus $SQUISH_SERVICES_PORT_OFFSET (default 0), so that
# several instances can run at once. Only KEY=VALUE lines go to stdout; progress goes to stderr and
# the daemons log under <dir>/log. Bootstrap measured at ~14 s (shared/notes/services.md §4a).
set -euo pipefail

BUCKET=squish-test
REGION=us-east-1
# Daemons in the order they are stopped: the gateway first, the monitor last.
DAEMONS=(client.rgw.a osd.0 mon.a)

usage() {
  echo "usage: $0 start|stop <dir>" >&2
  exit 2
}
[ $# -eq 2 ] || usage
ACTION=$1
mkdir -p "$2"
D=$(cd "$2" && pwd)
OFFSET=${SQUISH_SERVICES_PORT_OFFSET:-0}
MON_PORT=$((6789 + OFFSET))
RGW_PORT=$((7480 + OFFSET))
CONF=(-c "$D/ceph.conf")

log() { echo "ceph: $*" >&2; }
elapsed() { echo "$(($(date +%s) - STARTED)) s"; }

# wait_for <seconds> <description> <command...>: polls the command every 0.2 s until it succeeds.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "gave up after ${limit} s waiting for $what (logs in $D/log)"
      return 1
    fi
    sleep 0.2
  done
}

# stop_daemon <name>: SIGTERM by pidfile, waits for the exit, SIGKILL after 15 s.
stop_daemon() {
  local pidfile="$D/run/$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$1 (pid $pid) ignored SIGTERM; killing it"
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

stop() {
  for name in "${DAEMONS[@]}"; do stop_daemon "$name"; done
}

osd_up() { timeout 10 ceph "${CONF[@]}" osd stat 2>/dev/null | grep -q '1 up'; }
rgw_answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/"; }
s3() {
  # curl signs the request itself (SigV4), so no S3 client is needed to create the bucket; radosgw
  # refuses a signed request without x-amz-content-sha256, which curl 7.88 does not add by itself.
  curl -sS --fail --max-time 10 --aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}
bucket_exists() { s3 -o /dev/null -I "http://127.0.0.1:$RGW_PORT/$BUCKET"; }

start() {
  STARTED=$(date +%s)
  for tool in ceph-mon ceph-osd radosgw radosgw-admin ceph-authtool monmaptool uuidgen curl; do
    command -v "$tool" >/dev/null || {
      log "$tool is missing: run scripts/setup.sh --test"
      exit 1
    }
  done
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$RGW_PORT/"; then
    log "port $RGW_PORT already answers: another radosgw runs there (set SQUISH_SERVICES_PORT_OFFSET)"
    exit 1
  fi
  stop # leftovers of an earlier run in the same folder
  rm -rf "$D"/{mon.a,osd.0,run,log,rgw,monmap,keyring,ceph.conf}
  mkdir -p "$D"/{mon.a,osd.0,run,log,rgw}
  local fsid osd_uuid osd_id
  fsid=$(uuidgen)
  cat >"$D/ceph.conf" <<EOC
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
# The test machines' disks may be nearly full; without these the monitor shuts itself down.
mon data avail warn = 1
mon data avail crit = 0
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = $D/keyring
[mon.a]
mon data = $D/mon.a
[osd.0]
osd data = $D/osd.0
osd objectstore = memstore
memstore device bytes = 2147483648
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $D/rgw
rgw dns name = 127.0.0.1
EOC
  ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >&2
  monmaptool --create --add a "v1:127.0.0.1:$MON_PORT" --fsid "$fsid" "$D/monmap" >&2
  ceph-mon "${CONF[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring" >&2
  ceph-mon "${CONF[@]}" -i a >&2
  log "monitor started on $MON_PORT ($(elapsed))"

  osd_uuid=$(uuidgen)
  osd_id=$(timeout 60 ceph "${CONF[@]}" osd new "$osd_uuid")
  ceph-osd "${CONF[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >&2 2>&1
  ceph-osd "${CONF[@]}" -i "$osd_id" >&2
  wait_for 60 "the OSD to be up" osd_up
  log "OSD up ($(elapsed))"

  radosgw "${CONF[@]}" -n client.rgw.a >&2
  wait_for 120 "radosgw to answer on $RGW_PORT" rgw_answers
  log "radosgw answers on $RGW_PORT ($(elapsed))"

  # A fresh key pair per start: nothing outside this run can know it.
  # (uuidgen, not `tr </dev/urandom | head`: that pipe dies of SIGPIPE under pipefail.)
  ACCESS_KEY=$(uuidgen -r | tr -d '-' | tr 'a-f' 'A-F' | cut -c 1-20)
  SECRET_KEY=$(uuidgen -r | tr -d '-')$(uuidgen -r | tr -d '-' | cut -c 1-8)
  timeout 60 radosgw-admin "${CONF[@]}" user create --uid=squish-test --display-name=squish-test \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null
  # The new user may take a moment to be seen by the gateway: retry the bucket creation.
  wait_for 30 "the bucket $BUCKET to be created" s3 -o /dev/null -X PUT "http://127.0.0.1:$RGW_PORT/$BUCKET"
  wait_for 10 "the bucket $BUCKET to be visible" bucket_exists
  log "bucket $BUCKET ready ($(elapsed))"

  # Quoted: the URL holds a `&`, and with-services.sh sources these lines as shell.
  echo "SQUISH_TEST_S3_URL='s3://$BUCKET?endpoint=http://127.0.0.1:$RGW_PORT&region=$REGION'"
  echo "SQUISH_TEST_S3_ACCESS_KEY=$ACCESS_KEY"
  echo "SQUISH_TEST_S3_SECRET_KEY=$SECRET_KEY"
}

case "$ACTION" in
start)
  # A start that fails half-way stops what it started (set -e ends the script at the failure).
  trap 'code=$?; if [ "$code" != 0 ]; then stop; fi; exit "$code"' EXIT
  start
  ;;
stop) stop ;;
*) usage ;;
esac
