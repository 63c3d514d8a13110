# Helpers shared by the service scripts (sourced, not run). Each script defines `log` first.

# alive <pid>: the process runs (an exited daemon stays a zombie until PID 1 reaps it, which can
# take seconds here, and does not count).
alive() {
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)
  [ -n "$state" ] && [ "$state" != Z ]
}

# stop_pid <pid> <name> [seconds]: SIGTERM, waits for the exit, SIGKILL after the seconds (15).
stop_pid() {
  local pid=$1 name=$2 limit=${3:-15}
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((limit * 10))); do alive "$pid" || return 0; sleep 0.1; done
  log "$name (pid $pid) ignored SIGTERM for $limit s; killing it"
  kill -9 "$pid" 2>/dev/null || true
}

# wait_for <seconds> <description> <command...>: polls the command every 0.2 s until it succeeds;
# gives up (status 1) after the seconds, pointing at $LOGS.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "gave up after ${limit} s waiting for $what (logs in ${LOGS:-the service folder})"
      return 1
    fi
    sleep 0.2
  done
}
