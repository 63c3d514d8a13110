#!/usr/bin/env bash
# Redis for the tests: a master, one replica and three Sentinels watching the master under the
# name `squish` (down-after 1000 ms, failover-timeout 5000 ms), every file under <dir>.
#
#   bash scripts/services/redis.sh start <dir>   # prints SQUISH_TEST_REDIS_* lines on stdout
#   bash scripts/services/redis.sh stop <dir>    # stops what `start` started, by its pidfiles
#
# Ports: master 6390, replica 6391, Sentinels 26390-26392, each plus $SQUISH_SERVICES_PORT_OFFSET
# (default 0), so that several topologies can run at once (the failover test starts its own).
#
# Persistence is what an operator would run: an append-only file fsynced every second
# (appendonly yes, appendfsync everysec) on both nodes, no RDB snapshots. A crashed node that
# restarts keeps what it had written up to a second before; replication to the replica is
# asynchronous, so a failover can still lose writes acknowledged in the last moments.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [ -z "$command" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop <dir>" >&2
  exit 2
fi

offset=${SQUISH_SERVICES_PORT_OFFSET:-0}
master_port=$((6390 + offset))
replica_port=$((6391 + offset))
sentinel_ports=($((26390 + offset)) $((26391 + offset)) $((26392 + offset)))
master_name=squish

log() { echo "redis.sh: $*" >&2; }
# shellcheck source=scripts/services/lib.sh
source "$(dirname "$0")/lib.sh"

# write_node_config <port> [replicaof-port]
write_node_config() {
  local port=$1 node="$dir/node-$1"
  mkdir -p "$node"
  cat >"$node/redis.conf" <<EOF
bind 127.0.0.1
port $port
daemonize yes
pidfile $node/redis.pid
logfile $node/redis.log
dir $node
save ""
appendonly yes
appendfsync everysec
# BullMQ needs every key kept: never evict.
maxmemory-policy noeviction
EOF
  if [ -n "${2:-}" ]; then echo "replicaof 127.0.0.1 $2" >>"$node/redis.conf"; fi
}

# write_sentinel_config <port>: Sentinel rewrites this file as it learns the topology.
write_sentinel_config() {
  local port=$1 node="$dir/sentinel-$1"
  mkdir -p "$node"
  cat >"$node/sentinel.conf" <<EOF
bind 127.0.0.1
port $port
daemonize yes
pidfile $node/sentinel.pid
logfile $node/sentinel.log
dir $node
sentinel monitor $master_name 127.0.0.1 $master_port 2
sentinel down-after-milliseconds $master_name 1000
sentinel failover-timeout $master_name 5000
sentinel parallel-syncs $master_name 1
EOF
}

# sentinel_field <port> <field>: one field of `SENTINEL MASTER squish`.
sentinel_field() {
  redis-cli -p "$1" sentinel master "$master_name" 2>/dev/null |
    awk -v f="$2" 'prev == f { print; exit } { prev = $0 }'
}

topology_ready() {
  redis-cli -p "$replica_port" info replication 2>/dev/null | grep -q 'master_link_status:up' || return 1
  local port
  for port in "${sentinel_ports[@]}"; do
    [ "$(sentinel_field "$port" num-other-sentinels)" = 2 ] || return 1
    [ "$(sentinel_field "$port" num-slaves)" = 1 ] || return 1
  done
}

start() {
  mkdir -p "$dir"
  write_node_config "$master_port"
  write_node_config "$replica_port" "$master_port"
  local port
  for port in "${sentinel_ports[@]}"; do write_sentinel_config "$port"; done

  redis-server "$dir/node-$master_port/redis.conf" >&2
  redis-server "$dir/node-$replica_port/redis.conf" >&2
  for port in "${sentinel_ports[@]}"; do redis-sentinel "$dir/sentinel-$port/sentinel.conf" >&2; done

  # Sentinels discover each other through hello messages every 2 s: about 6 s on an idle machine.
  local deadline=$(($(date +%s) + 60))
  until topology_ready; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "the topology was not ready after 60 s (replica link up, each Sentinel seeing 2 peers and 1 replica)"
      exit 1
    fi
    sleep 0.2
  done
  log "master :$master_port, replica :$replica_port, sentinels :${sentinel_ports[*]} ready"

  local sentinels
  sentinels=$(printf '127.0.0.1:%s,' "${sentinel_ports[@]}")
  echo "SQUISH_TEST_REDIS_URL=redis://127.0.0.1:$master_port"
  echo "SQUISH_TEST_REDIS_SENTINELS=${sentinels%,}"
  echo "SQUISH_TEST_REDIS_MASTER=$master_name"
}

# stop_pidfile <file>: stops the process it names (SIGKILL after 10 s) and removes it.
stop_pidfile() {
  local file=$1
  [ -f "$file" ] || return 0
  stop_pid "$(cat "$file" 2>/dev/null || true)" "$(basename "$file")" 10
  rm -f "$file"
}

stop() {
  [ -d "$dir" ] || return 0
  local file
  # Sentinels first, so that stopping the master starts no failover.
  for file in "$dir"/sentinel-*/sentinel.pid "$dir"/node-*/redis.pid; do
    [ -e "$file" ] && stop_pidfile "$file"
  done
  return 0
}

case "$command" in
start) start ;;
stop) stop ;;
*)
  echo "usage: $0 start|stop <dir>" >&2
  exit 2
  ;;
esac
