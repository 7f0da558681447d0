#!/usr/bin/env bash
# Fails when graph/, the resolver signatures or the SPA's operation types
# (frontend/src/graphql/generated.ts) differ from what the schema generates.
set -euo pipefail
cd "$(dirname "$0")/.."
sum() {
  find graph resolvers -type f -name '*.go' -print0 | sort -z | xargs -0 sha256sum
  sha256sum frontend/src/graphql/generated.ts
}
before=$(sum)
go generate ./resolvers
(cd frontend && npm run --silent codegen >/dev/null)
after=$(sum)
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") >&2 || true
  echo "generated code was stale: it has now been regenerated; review and commit it" >&2
  exit 1
fi
echo "generated code is up to date"
