#!/usr/bin/env bash
# Starts the services aomas needs as local processes, reusing any that already answer, and
# writes their addresses to .local/services.env. Idempotent. `services.sh down` stops only
# what this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCAL=$PWD/.local
RUN=$LOCAL/run
mkdir -p "$LOCAL/bin" "$RUN" "$LOCAL/logs"

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_PORT=${AOMAS_MINIO_PORT:-59000}
MINIO_USER=aomas
MINIO_PASSWORD=aomas-dev-secret
OWN_PG_PORT=55432
OWN_REDIS_PORT=56379

log() { printf '[services] %s\n' "$*" >&2; }
as_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  if as_root; then
    log "installing Debian packages: $*"
    [ -f "$LOCAL/run/apt-updated" ] || { apt-get update -qq >/dev/null && touch "$LOCAL/run/apt-updated"; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    log "missing $*: install them (apt-get install $*) or run as root"; exit 1
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    PG_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"; return
  fi
  if pg_isready -q -h 127.0.0.1 -p $OWN_PG_PORT 2>/dev/null; then
    PG_URL="postgres://postgres@127.0.0.1:$OWN_PG_PORT/postgres?sslmode=disable"; return
  fi
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local bin; bin=$(pg_bin)
  local dir=$LOCAL/pg
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    if as_root; then chown postgres "$dir"; runuser -u postgres -- "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
    else "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null; fi
  fi
  log "starting PostgreSQL on 127.0.0.1:$OWN_PG_PORT"
  local cmd=("$bin/pg_ctl" -D "$dir" -l "$LOCAL/logs/postgres.log" -o "-p $OWN_PG_PORT -k /tmp -c listen_addresses=127.0.0.1" -w start)
  if as_root; then chown -R postgres "$dir" "$LOCAL/logs"; runuser -u postgres -- "${cmd[@]}" >/dev/null
  else "${cmd[@]}" >/dev/null; fi
  touch "$RUN/postgres.started"
  PG_URL="postgres://postgres@127.0.0.1:$OWN_PG_PORT/postgres?sslmode=disable"
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then REDIS_ADDR=127.0.0.1:6379; return; fi
  if redis-cli -h 127.0.0.1 -p $OWN_REDIS_PORT ping >/dev/null 2>&1; then REDIS_ADDR=127.0.0.1:$OWN_REDIS_PORT; return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  log "starting Redis on 127.0.0.1:$OWN_REDIS_PORT"
  mkdir -p "$LOCAL/redis"
  redis-server --bind 127.0.0.1 --port $OWN_REDIS_PORT --save '' --appendonly no --dir "$LOCAL/redis" \
    --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$LOCAL/logs/redis.log"
  for _ in $(seq 50); do redis-cli -p $OWN_REDIS_PORT ping >/dev/null 2>&1 && break; sleep 0.1; done
  touch "$RUN/redis.started"
  REDIS_ADDR=127.0.0.1:$OWN_REDIS_PORT
}

minio_live() { curl -fsS -o /dev/null "http://127.0.0.1:$MINIO_PORT/minio/health/live" 2>/dev/null; }

start_minio() {
  if [ ! -x "$LOCAL/bin/minio" ]; then
    log "building MinIO server $MINIO_VERSION from source (once, ~3 min)"
    GOBIN=$LOCAL/bin go install "github.com/minio/minio@$MINIO_VERSION"
  fi
  if ! minio_live; then
    log "starting MinIO on 127.0.0.1:$MINIO_PORT"
    mkdir -p "$LOCAL/minio"
    MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD MINIO_BROWSER=off \
      nohup "$LOCAL/bin/minio" server --quiet --address "127.0.0.1:$MINIO_PORT" \
      --console-address "127.0.0.1:$((MINIO_PORT + 1))" "$LOCAL/minio" >"$LOCAL/logs/minio.log" 2>&1 &
    echo $! >"$RUN/minio.pid"
    for _ in $(seq 100); do minio_live && break; sleep 0.1; done
    minio_live || { log "MinIO did not start: see $LOCAL/logs/minio.log"; exit 1; }
  fi
}

write_env() {
  cat >"$LOCAL/services.env" <<ENV
export AOMAS_DATABASE_URL='${PG_URL%/postgres?sslmode=disable}/aomas?sslmode=disable'
export AOMAS_REDIS_URL='redis://$REDIS_ADDR/0'
export AOMAS_S3_ENDPOINT='127.0.0.1:$MINIO_PORT'
export AOMAS_S3_ACCESS_KEY='$MINIO_USER'
export AOMAS_S3_SECRET_KEY='$MINIO_PASSWORD'
export AOMAS_SUBJECT_KEY='$(subject_key)'
export AOMAS_TEST_DATABASE_URL='$PG_URL'
export AOMAS_TEST_REDIS_URL='redis://$REDIS_ADDR/0'
export AOMAS_TEST_S3_ENDPOINT='127.0.0.1:$MINIO_PORT'
export AOMAS_TEST_S3_ACCESS_KEY='$MINIO_USER'
export AOMAS_TEST_S3_SECRET_KEY='$MINIO_PASSWORD'
ENV
}

subject_key() {
  # A random key per checkout, kept so that subject codes stay stable across restarts.
  [ -f "$LOCAL/subject.key" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$LOCAL/subject.key"
  cat "$LOCAL/subject.key"
}

ensure_database() {
  # The application database for `make demo`; tests make their own.
  psql "$PG_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = 'aomas'" | grep -q 1 ||
    psql "$PG_URL" -qc "CREATE DATABASE aomas" >/dev/null
}

down() {
  if [ -f "$RUN/minio.pid" ]; then
    kill "$(cat "$RUN/minio.pid")" 2>/dev/null || true; rm -f "$RUN/minio.pid"; log "stopped MinIO"
  fi
  if [ -f "$RUN/redis.started" ]; then
    redis-cli -p $OWN_REDIS_PORT shutdown nosave >/dev/null 2>&1 || true; rm -f "$RUN/redis.started"; log "stopped Redis"
  fi
  if [ -f "$RUN/postgres.started" ]; then
    local cmd=("$(pg_bin)/pg_ctl" -D "$LOCAL/pg" -m fast stop)
    if as_root; then runuser -u postgres -- "${cmd[@]}" >/dev/null || true; else "${cmd[@]}" >/dev/null || true; fi
    rm -f "$RUN/postgres.started"; log "stopped PostgreSQL"
  fi
}

case "${1:-up}" in
  up)
    command -v curl >/dev/null || apt_install curl
    command -v psql >/dev/null || apt_install postgresql-client
    start_postgres; start_redis; start_minio; write_env; ensure_database
    log "ready: PostgreSQL ${PG_URL#*@}, Redis $REDIS_ADDR, MinIO 127.0.0.1:$MINIO_PORT (env in .local/services.env)"
    ;;
  down) down ;;
  *) echo "usage: $0 [up|down]" >&2; exit 2 ;;
esac
