#!/usr/bin/env bash
# Installs Debian packages when running as root; otherwise says what to install.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: $* (run: sudo apt-get install -y $*)" >&2; exit 1
fi
stamp=$(dirname "$0")/../.local/run/apt-updated
mkdir -p "$(dirname "$stamp")"
[ -f "$stamp" ] || { apt-get update -qq >/dev/null && touch "$stamp"; }
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
