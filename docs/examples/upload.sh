#!/usr/bin/env bash
# Upload a volume the way a scanner does, per the GraphQL multipart request spec, with curl.
#   docs/examples/upload.sh CASE_ID FILE [SIDECAR.json]     (UM_PER_PX=0.5 sets the pixel size)
set -euo pipefail
URL=${AOMAS_URL:-http://localhost:8080}/graphql
case_id=$1 file=$2
sidecar=null
[ $# -ge 3 ] && sidecar=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$3")
ops=$(printf '{"query":"mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) { duplicate volume { id status errorCode error dims { z y x } sha256 } } }","variables":{"f":null,"in":{"caseId":"%s","sidecar":%s,"umPerPx":%s}}}' "$case_id" "$sidecar" "${UM_PER_PX:-null}")
curl -sS "$URL" ${AOMAS_TOKEN:+-H "Authorization: Bearer $AOMAS_TOKEN"} \
  -F "operations=$ops" -F 'map={"0":["variables.f"]}' -F "0=@$file"
echo
