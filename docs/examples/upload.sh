#!/usr/bin/env bash
# Upload a volume the way a scanner does, per the GraphQL multipart request spec, with curl.
#   docs/examples/upload.sh CASE_ID FILE [SIDECAR.json]     (UM_PER_PX=0.5 states the pixel size)
# Prints the volume's id on success. On any error (a refused credential, a rejected file, a
# server that cannot be reached) it prints the reason to stderr and exits non-zero.
# It asks only for fields a scanner may read (id, status, errorCode, error, sha256), so it
# works with a scanner's token (AOMAS_TOKEN) as well as a technician's.
set -euo pipefail
URL=${AOMAS_URL:-http://localhost:8080}/graphql
die() { echo "upload.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: upload.sh CASE_ID FILE [SIDECAR.json]"
case_id=$1 file=$2 sidecar_file=${3:-}
[ -f "$file" ] && [ -r "$file" ] || die "$file: no such readable file"
[ -z "$sidecar_file" ] || [ -r "$sidecar_file" ] || die "$sidecar_file: no such readable file"
command -v python3 >/dev/null || die "python3 is needed to build and read the JSON"

ops=$(python3 - "$case_id" "$sidecar_file" "${UM_PER_PX:-}" <<'PY'
import json, sys
case_id, sidecar_file, um = sys.argv[1], sys.argv[2], sys.argv[3]
inp = {"caseId": case_id}
if sidecar_file:
    inp["sidecar"] = open(sidecar_file).read()
if um:
    try:
        inp["umPerPx"] = float(um)
    except ValueError:
        sys.exit("upload.sh: UM_PER_PX must be a number of micrometres per pixel")
q = ("mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) "
     "{ duplicate volume { id status errorCode error sha256 } } }")
print(json.dumps({"query": q, "variables": {"f": None, "in": inp}}))
PY
)

body=$(mktemp)
trap 'rm -f "$body"' EXIT
auth=()
[ -n "${AOMAS_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $AOMAS_TOKEN")
status=$(curl -sS -o "$body" -w '%{http_code}' "${auth[@]}" "$URL" \
  -F "operations=$ops" -F 'map={"0":["variables.f"]}' -F "0=@$file") || die "cannot reach $URL"

python3 - "$status" "$body" <<'PY'
import json, sys
status, path = int(sys.argv[1]), sys.argv[2]
raw = open(path, encoding="utf-8", errors="replace").read()
try:
    resp = json.loads(raw)
except ValueError:
    sys.exit(f"upload.sh: HTTP {status}: {raw.strip()[:300] or 'no answer'}")
errs = resp.get("errors") or []
if errs:
    msgs = []
    for e in errs:
        ext = e.get("extensions") or {}
        why = ", ".join(str(ext[k]) for k in ("code", "reason") if ext.get(k))
        msgs.append(e.get("message", "error") + (f" ({why})" if why else ""))
    sys.exit(f"upload.sh: HTTP {status}: " + "; ".join(msgs))
payload = (resp.get("data") or {}).get("uploadVolume")
if status != 200 or not payload:
    sys.exit(f"upload.sh: HTTP {status}: no volume in the answer")
vol = payload["volume"]
if vol["status"] == "REJECTED":
    sys.exit(f"upload.sh: rejected: {vol.get('error') or ''} ({vol.get('errorCode') or 'REJECTED'})")
if payload.get("duplicate"):
    print("upload.sh: the same bytes were uploaded before; this is that volume", file=sys.stderr)
print(vol["id"])
PY
