#!/usr/bin/env bash
# STOW-RS with curl: sends DICOM files to aomas as one multipart/related request.
# usage: dicomweb-stow-curl.sh BASE_URL FILE... (token in $AOMAS_TOKEN, project in
# $AOMAS_PROJECT if the token's own is not meant). Prints the HTTP status, then the
# response document (application/dicom+json).
set -euo pipefail
base=$1; shift
: "${AOMAS_TOKEN:?set AOMAS_TOKEN to an API token}"
boundary="aomas-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
body=$(mktemp); out=$(mktemp)
trap 'rm -f "$body" "$out"' EXIT
for f in "$@"; do
  printf -- '--%s\r\nContent-Type: application/dicom\r\n\r\n' "$boundary" >>"$body"
  cat "$f" >>"$body"
  printf '\r\n' >>"$body"
done
printf -- '--%s--\r\n' "$boundary" >>"$body"
headers=(-H "Authorization: Bearer $AOMAS_TOKEN"
  -H "Content-Type: multipart/related; type=\"application/dicom\"; boundary=$boundary"
  -H "Accept: application/dicom+json")
[ -n "${AOMAS_PROJECT:-}" ] && headers+=(-H "X-Aomas-Project: $AOMAS_PROJECT")
code=$(curl -sS -o "$out" -w '%{http_code}' -X POST "${headers[@]}" --data-binary @"$body" "$base/dicomweb/studies")
echo "$code"
cat "$out"
