#!/usr/bin/env bash
# Runs a worker and the server in the foreground until Ctrl-C; used by `make demo`.
set -euo pipefail
BIN=$1
export AOMAS_LISTEN=${AOMAS_LISTEN:-127.0.0.1:8080}
export AOMAS_DATA_DIR=${AOMAS_DATA_DIR:-.local/data}
mkdir -p .local/logs
"$BIN" worker >.local/logs/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
url=http://127.0.0.1:${AOMAS_LISTEN##*:}
"$(dirname "$0")/accounts.sh" "$BIN"
token=$("$BIN" token create --email admin@aomas.local --ttl 1h --name demo-seed 2>/dev/null)
( for _ in $(seq 300); do curl -fs -o /dev/null "$url/readyz" && break; sleep 0.2; done
  AOMAS_TOKEN=$token "$(dirname "$0")/seed.sh" "$BIN" "$url" || echo "  seed failed (see above); the server is up regardless" ) &
echo
echo "  aomas is up:   http://localhost:${AOMAS_LISTEN##*:}/      (GraphQL at /graphql, metrics at /metrics)"
echo "  sign in as:    admin@aomas.local / aomas-demo-admin  (or labeler@, tech@, ml_engineer@, researcher@,"
echo "                 scanner@aomas.local with password aomas-demo-<role>)"
echo "  worker log:    .local/logs/worker.log          stop with Ctrl-C"
echo
"$BIN" serve
