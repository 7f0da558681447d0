#!/usr/bin/env bash
# Puts the ONNX Runtime 1.29.0 CPU library into .local/onnxruntime/ from the npm package
# onnxruntime-node (the only registry that carries it here). Idempotent; nothing downloads
# at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
ORT_VERSION=1.29.0
DEST=.local/onnxruntime
LIB=$DEST/libonnxruntime.so.1
if [ -f "$LIB" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$ORT_VERSION" ]; then exit 0; fi
mkdir -p .local/cache "$DEST"
echo "[ort] fetching onnxruntime-node@$ORT_VERSION through npm" >&2
tgz=$(cd .local/cache && npm pack --silent "onnxruntime-node@$ORT_VERSION" | tail -1)
tar -xzf ".local/cache/$tgz" -C .local/cache package/bin/napi-v6/linux/x64/libonnxruntime.so.1
mv .local/cache/package/bin/napi-v6/linux/x64/libonnxruntime.so.1 "$LIB"
rm -rf .local/cache/package ".local/cache/$tgz"
echo "$ORT_VERSION" >"$DEST/VERSION"
echo "[ort] $LIB ($(du -h "$LIB" | cut -f1))" >&2
