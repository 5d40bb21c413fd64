#!/usr/bin/env bash
# deploy/upgrade.sh [--compose]: put a new release in service without stopping the site.
#
#   1. a backup first (deploy/backup.sh; UPGRADE_SKIP_BACKUP=1 skips it);
#   2. the release's production requirements (requirements-prod.lock, hashes checked) on every host;
#   3. the migrations, once, from this machine, while the previous release still serves: a release's migrations
#      must work with the previous release's code (add a column in one release, use it and drop the old in the
#      next), so the site keeps serving during them;
#   4. the static files collected;
#   5. the app servers restarted ONE AT A TIME, each answering /health/live again before the next one goes, so the
#      load balancer always has servers to send requests to;
#   6. the workers and the scheduler restarted (gracefully: a running task finishes first).
#
# Hosts (deploy/systemd): the new release is already in SWITCHOFF_DIR (/srv/switchoff) on every host (git pull,
# rsync, a package: your choice); run this from one of them. APP_HOSTS, WORKER_HOSTS and SCHEDULER_HOST name the
# hosts ("local" is this one; others are reached with ssh). SYSTEMCTL (default "sudo systemctl") restarts units.
# Docker Compose (deploy/compose.yaml): deploy/upgrade.sh --compose, from the repository's new release.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { echo "upgrade.sh: $*" >&2; }

if [ "${1:-}" = "--compose" ]; then
  compose() { docker compose -f "$ROOT/deploy/compose.yaml" "$@"; }
  say "building the image"
  compose build app
  if [ "${UPGRADE_SKIP_BACKUP:-0}" != 1 ]; then
    say "backing up"
    compose run --rm backup
  fi
  say "migrating"
  compose run --rm migrate
  healthy() {  # every running app container answers its health check
    local id
    for id in $(compose ps -q app); do
      [ "$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")" = healthy ] || return 1
    done
  }
  old=$(compose ps -q app)
  count=$(echo "$old" | wc -w)
  for id in $old; do
    say "starting a new app server beside ${id:0:12}"
    compose up -d --no-deps --no-recreate --scale app=$((count + 1)) app
    for _ in $(seq 60); do healthy && break; sleep 2; done
    healthy || { say "the new app server is not healthy: stopping here, the old ones still serve"; exit 1; }
    say "stopping the old app server ${id:0:12}"
    docker stop "$id" >/dev/null && docker rm "$id" >/dev/null
  done
  say "restarting the workers and the scheduler"
  compose up -d --no-deps worker scheduler
  say "done"
  exit 0
fi

DIR=${SWITCHOFF_DIR:-$ROOT}
PYTHON=${PYTHON:-$DIR/.venv/bin/python}
SYSTEMCTL=${SYSTEMCTL:-sudo systemctl}
APP_HOSTS=${APP_HOSTS:-local}
WORKER_HOSTS=${WORKER_HOSTS:-local}
SCHEDULER_HOST=${SCHEDULER_HOST:-local}
APP_PORT=${APP_PORT:-8000}
HEALTH_WAIT_S=${HEALTH_WAIT_S:-60}

on() {  # on HOST COMMAND…: in the release's folder of that host
  local host=$1
  shift
  if [ "$host" = local ]; then (cd "$DIR" && bash -c "$*"); else ssh "$host" "cd '$DIR' && $*"; fi
}

hosts=$(printf '%s\n' $APP_HOSTS $WORKER_HOSTS $SCHEDULER_HOST | sort -u)

if [ "${UPGRADE_SKIP_BACKUP:-0}" != 1 ]; then
  say "backing up"
  PYTHON=$PYTHON bash "$ROOT/deploy/backup.sh" >&2
fi
for host in $hosts; do
  say "installing the production requirements on $host"
  on "$host" "'$PYTHON' -m pip install --quiet --require-hashes -r requirements-prod.lock"
done
say "migrating"
(cd "$DIR" && DB_STATEMENT_TIMEOUT_MS=0 DB_LOCK_TIMEOUT_MS=${MIGRATE_LOCK_TIMEOUT_MS:-10000} "$PYTHON" manage.py migrate --noinput >&2)
for host in $APP_HOSTS; do
  say "collecting static files on $host"
  on "$host" "'$PYTHON' manage.py collectstatic --noinput -v0"
done
for host in $APP_HOSTS; do
  say "restarting the app server on $host"
  on "$host" "$SYSTEMCTL restart switchoff-web"
  ok=""
  for _ in $(seq "$HEALTH_WAIT_S"); do
    if on "$host" "'$PYTHON' -c 'import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:$APP_PORT/health/live\", timeout=3)'" >/dev/null 2>&1; then ok=1; break; fi
    sleep 1
  done
  [ -n "$ok" ] || { say "the app server on $host did not come back within ${HEALTH_WAIT_S} s: stopping here"; exit 1; }
  say "the app server on $host is back"
done
for host in $WORKER_HOSTS; do
  say "restarting the worker on $host"
  on "$host" "$SYSTEMCTL restart switchoff-worker"
done
say "restarting the scheduler on $SCHEDULER_HOST"
on "$SCHEDULER_HOST" "$SYSTEMCTL restart switchoff-scheduler"
say "done"
