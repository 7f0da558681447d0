#!/usr/bin/env bash
# Makes the demo's accounts once (admin, labeler, tech, ml_engineer, researcher, scanner)
# with known passwords, and prints how to sign in. Accounts already there are left alone.
# Usage: scripts/accounts.sh BIN
set -euo pipefail
BIN=$1
existing=$("$BIN" user list 2>/dev/null || true)
for role in admin ml_engineer researcher tech labeler scanner; do
  email="$role@aomas.local"
  if ! grep -q "$email" <<<"$existing"; then
    printf 'aomas-demo-%s\n' "$role" | "$BIN" user create --email "$email" --role "$role" --project '*' \
      --name "Demo ${role/_/ }" --password-stdin >/dev/null
  fi
done
