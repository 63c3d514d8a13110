#!/usr/bin/env bash
# A real S3 server for the tests: a one-node Ceph cluster (one monitor, one in-memory OSD, no mgr)
# with radosgw in front of it, every file under <dir>. Memstore keeps the objects in RAM, so every
# start is a fresh, empty cluster.
#
#   bash scripts/services/ceph.sh start <dir>   # prints SQUISH_TEST_S3_URL, _ACCESS_KEY, _SECRET_KEY
#                                               # and SQUISH_TEST_S3_FULL_URL (a bucket with a 16 KiB quota)
#   bash scripts/services/ceph.sh stop <dir>
#
# Ports: monitor 6789, radosgw 7480 and the OSD 6800-6849, each plus $SQUISH_SERVICES_PORT_OFFSET
# (default 0), so that several instances can run at once (offsets 100 apart do not overlap), all on
# 127.0.0.1. Only KEY=VALUE lines go to stdout; progress goes to stderr and the daemons log under
# <dir>/log. About 17 s to a ready bucket, measured here.
set -euo pipefail

BUCKET=squish-test
# A second bucket of the same user, with a bucket quota of 16 KiB: radosgw refuses a write over it at
# once with 403 QuotaExceeded, which is how the tests see S3 storage that has no room left.
FULL_BUCKET=squish-full
FULL_BUCKET_BYTES=16384
REGION=us-east-1

usage() {
  echo "usage: $0 start|stop <dir>" >&2
  exit 2
}
[ $# -eq 2 ] || usage
ACTION=$1
mkdir -p "$2"
D=$(cd "$2" && pwd)
LOGS=$D/log
OFFSET=${SQUISH_SERVICES_PORT_OFFSET:-0}
MON_PORT=$((6789 + OFFSET))
RGW_PORT=$((7480 + OFFSET))
CONF=(-c "$D/ceph.conf")

log() { echo "ceph: $*" >&2; }
# shellcheck source=scripts/services/lib.sh
source "$(dirname "$0")/lib.sh"
elapsed() { echo "$(($(date +%s) - STARTED)) s"; }

# stop_daemons <name...>: SIGTERM by pidfile, then waits for each to exit (SIGKILL after 15 s).
stop_daemons() {
  local name pid pids=()
  for name in "$@"; do
    pid=$(cat "$D/run/$name.pid" 2>/dev/null || true)
    if alive "$pid"; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$D/run/$name.pid"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      log "pid $pid ($(tr "\0" " " <"/proc/$pid/cmdline" 2>/dev/null | cut -c 1-60)) ignored SIGTERM for 15 s; killing it"
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

# One after the other, clients first: radosgw stopping while the OSD goes away can hang in its
# shutdown (it ignored SIGTERM for 15 s twice in ~15 stops), and an OSD stopping without its
# monitor waits 5 s to report itself down. In this order: 1.2 s in all, measured.
stop() {
  stop_daemons client.rgw.a
  stop_daemons osd.0
  stop_daemons mon.a
}

new_osd() { timeout 10 ceph "${CONF[@]}" osd new "$1" >"$D/osd.id" && grep -qx '[0-9][0-9]*' "$D/osd.id"; }
osd_up() { timeout 10 ceph "${CONF[@]}" osd stat 2>/dev/null | grep -q '1 up'; }

# wait_for_osd <pid>: polls until the OSD is up (0), its process has exited (1), or 120 s passed
# with it still running (2).
wait_for_osd() {
  local deadline=$(($(date +%s) + 120))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    osd_up && return 0
    alive "$1" || return 1
    sleep 0.2
  done
  return 2
}
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
  # From here on, a start that fails half-way stops what it started (set -e ends the script at
  # the failure). Not before: a refused start must not stop an instance that runs in this folder.
  trap 'code=$?; if [ "$code" != 0 ]; then stop; fi; exit "$code"' EXIT
  stop # leftovers of an earlier run in the same folder
  rm -rf "$D"/{mon.a,osd.0,run,log,rgw,monmap,keyring,ceph.conf,osd.id}
  mkdir -p "$D"/{mon.a,osd.0,run,log,rgw}
  local fsid osd_uuid osd_id
  fsid=$(uuidgen)
  cat >"$D/ceph.conf" <<EOC
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
# The OSD's own ports: by default the first free ones from 6800-7300, shared by every instance
# on the machine and overlapping the monitor ports of other offsets; here 50 ports of its own.
ms bind port min = $((6800 + OFFSET))
ms bind port max = $((6849 + OFFSET))
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
# No "rgw dns name": with one, radosgw takes any other Host for a bucket name (virtual-hosted
# style), and a presigned URL for a public name of the server would answer NoSuchBucket. Without
# it, every request is path-style, as Squish sends them.
EOC
  ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >&2
  monmaptool --create --add a "v1:127.0.0.1:$MON_PORT" --fsid "$fsid" "$D/monmap" >&2
  ceph-mon "${CONF[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring" >&2
  ceph-mon "${CONF[@]}" -i a >&2
  log "monitor started on $MON_PORT ($(elapsed))"

  # A monitor that has just started may refuse commands ("problem getting command descriptions")
  # until it has formed its quorum of one.
  wait_for 60 "the monitor to form its quorum" timeout 10 ceph "${CONF[@]}" quorum_status
  osd_uuid=$(uuidgen)
  # `osd new` with the same uuid answers the same id, so retrying it cannot create a second OSD.
  wait_for 60 "the monitor to create the OSD" new_osd "$osd_uuid"
  osd_id=$(cat "$D/osd.id")
  ceph-osd "${CONF[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >&2 2>&1
  # An OSD started just after its monitor sometimes exits at once ("mon_cmd_maybe_osd_create fail:
  # 'wrong fsid'": it asked before it had the monitor map; seen twice in ~10 starts on a busy
  # machine). Memstore saves its store when the OSD stops, so it is started again, 2 s later, up to
  # 5 times. It runs in the foreground (-f) in the background, so that $! is its own pid to watch.
  # One still running but not up is not started again beside itself: a second OSD on the same store
  # exits at once ("failed to lock pidfile"), and so does every start after it: the likeliest way a
  # CI run on 2026-11-28 gave up after three starts (its logs went with its folder).
  local attempt osd_pid waited
  for attempt in 1 2 3 4 5; do
    ceph-osd "${CONF[@]}" -f -i "$osd_id" </dev/null >>"$D/log/osd.$osd_id.out" 2>&1 &
    osd_pid=$!
    waited=0
    wait_for_osd "$osd_pid" || waited=$?
    [ "$waited" = 0 ] && break
    if [ "$waited" = 2 ] || [ "$attempt" = 5 ]; then
      # The folder goes with the run (with-services.sh), so what the OSD said is shown here.
      if [ "$waited" = 2 ]; then
        log "the OSD was not up after 120 s; its errors:"
      else
        log "the OSD exited while starting, 5 times; its errors:"
      fi
      grep -h -- ' -1 ' "$D/log/osd.$osd_id.out" "$D/log/osd.$osd_id.log" 2>/dev/null | tail -n 20 >&2 || true
      return 1
    fi
    log "the OSD exited while starting; starting it again in 2 s"
    sleep 2
  done
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
  wait_for 30 "the bucket $FULL_BUCKET to be created" s3 -o /dev/null -X PUT "http://127.0.0.1:$RGW_PORT/$FULL_BUCKET"
  timeout 60 radosgw-admin "${CONF[@]}" quota set --quota-scope=bucket --bucket="$FULL_BUCKET" \
    --max-size="$FULL_BUCKET_BYTES" >/dev/null
  timeout 60 radosgw-admin "${CONF[@]}" quota enable --quota-scope=bucket --bucket="$FULL_BUCKET" >/dev/null
  log "bucket $FULL_BUCKET ready, with a quota of $FULL_BUCKET_BYTES bytes ($(elapsed))"

  # Quoted: the URL holds a `&`, and with-services.sh sources these lines as shell.
  echo "SQUISH_TEST_S3_URL='s3://$BUCKET?endpoint=http://127.0.0.1:$RGW_PORT&region=$REGION'"
  echo "SQUISH_TEST_S3_FULL_URL='s3://$FULL_BUCKET?endpoint=http://127.0.0.1:$RGW_PORT&region=$REGION'"
  echo "SQUISH_TEST_S3_ACCESS_KEY=$ACCESS_KEY"
  echo "SQUISH_TEST_S3_SECRET_KEY=$SECRET_KEY"
}

case "$ACTION" in
start) start ;;
stop) stop ;;
*) usage ;;
esac
