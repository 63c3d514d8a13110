#!/usr/bin/env bash
# Runs a command with the real services the tests need (Redis with a replica and three Sentinels,
# PostgreSQL, Ceph radosgw for S3, a GlusterFS volume), started here under a scratch folder and
# stopped when the command ends, whatever its outcome. The command sees each service through
# SQUISH_TEST_* variables, and SQUISH_TEST_REQUIRE_SERVICES=1 so that a test that cannot find its
# service fails instead of skipping.
#
#   bash scripts/with-services.sh npm run test:unit
#
# Each service has a script in scripts/services/<name>.sh taking `start <dir>` (start it, wait
# until it answers, print KEY=VALUE lines for the tests) and `stop <dir>`. Needs root (PostgreSQL
# runs as the postgres user, GlusterFS mounts through FUSE) and the packages of
# `scripts/setup.sh --test`. When the services are already up (SQUISH_TEST_SERVICES_UP=1), the
# command just runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SQUISH_TEST_SERVICES_UP:-}" = 1 ]; then exec "$@"; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "with-services: not root, so the real services cannot be started; tests that need them will be skipped" >&2
  exec "$@"
fi

SERVICES=(redis postgres ceph gluster)
RUN_DIR=$(mktemp -d /tmp/squish-services.XXXXXX)
chmod 755 "$RUN_DIR"

stop_all() {
  for name in "${SERVICES[@]}"; do
    bash "scripts/services/$name.sh" stop "$RUN_DIR/$name" >"$RUN_DIR/$name.stop.log" 2>&1 || true
  done
  rm -rf "$RUN_DIR" 2>/dev/null || true
}
trap stop_all EXIT

started=$(date +%s)
pids=()
for name in "${SERVICES[@]}"; do
  mkdir -p "$RUN_DIR/$name"
  bash "scripts/services/$name.sh" start "$RUN_DIR/$name" >"$RUN_DIR/$name.env" 2>"$RUN_DIR/$name.log" &
  pids+=($!)
done
failed=0
for i in "${!SERVICES[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "with-services: ${SERVICES[$i]} did not start; its log:" >&2
    tail -n 30 "$RUN_DIR/${SERVICES[$i]}.log" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
echo "with-services: ${SERVICES[*]} up in $(($(date +%s) - started)) s" >&2

set -a
for name in "${SERVICES[@]}"; do
  # shellcheck disable=SC1090
  source "$RUN_DIR/$name.env"
done
# Chromium is no server: the tests only need its path (empty, and so failing, when it is missing).
SQUISH_TEST_CHROMIUM="$(command -v chromium || true)"
SQUISH_TEST_REQUIRE_SERVICES=1
SQUISH_TEST_SERVICES_UP=1
set +a
"$@"
