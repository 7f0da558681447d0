#!/usr/bin/env bash
# Serves the built binary (SPA embedded) with a worker on a fresh database and bucket, then
# runs the browser journeys in frontend/e2e against it with Debian's Chromium.
# AOMAS_E2E_PORT, AOMAS_E2E_DB, AOMAS_E2E_BUCKET and AOMAS_E2E_ONLY (files) help run one journey beside another.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1
TAP=$(realpath -m "${2:-.local/test/e2e.tap}")
PORT=${AOMAS_E2E_PORT:-18081}
: "${AOMAS_TEST_DATABASE_URL:?run through make test (it starts the services)}"
db=${AOMAS_E2E_DB:-aomas_e2e}
PGOPTIONS="-c client_min_messages=warning" psql "$AOMAS_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
export AOMAS_DATABASE_URL=${AOMAS_TEST_DATABASE_URL%/*}/$db?sslmode=disable
# The cases journey seeds 10,000 cases through the API in one minute; the mutation limits
# have their own tests (internal/apitest), so here they only need to stay out of the way.
export AOMAS_MUTATION_LIMITS=${AOMAS_MUTATION_LIMITS:-*=1000/20000}
export AOMAS_S3_BUCKET=${AOMAS_E2E_BUCKET:-aomas-e2e} AOMAS_LISTEN=127.0.0.1:$PORT AOMAS_DATA_DIR=.local/e2e
mkdir -p .local/logs "$(dirname "$TAP")"
"$BIN" migrate up >/dev/null
scripts/accounts.sh "$BIN"
# The journeys sign in as the demo admin in the browser, and call the API with its token.
export AOMAS_E2E_EMAIL=admin@aomas.local AOMAS_E2E_PASSWORD=aomas-demo-admin
AOMAS_E2E_TOKEN=$("$BIN" token create --email admin@aomas.local --ttl 4h --name e2e 2>/dev/null)
export AOMAS_E2E_TOKEN
"$BIN" serve >.local/logs/e2e-serve.log 2>&1 &
serve=$!
"$BIN" worker >.local/logs/e2e-worker.log 2>&1 &
worker=$!
trap 'kill $serve $worker 2>/dev/null || true; wait $serve $worker 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz" && break; sleep 0.1; done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" || { echo "server not ready; log:" >&2; cat .local/logs/e2e-serve.log >&2; exit 1; }
export AOMAS_E2E_BIN=$(realpath "$BIN")
cd frontend
AOMAS_E2E_URL=http://127.0.0.1:$PORT node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$TAP" ${AOMAS_E2E_ONLY:-e2e/}
