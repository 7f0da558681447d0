#!/usr/bin/env bash
# Seeds a running aomas with synthetic data through its own API: phantom cone mosaics at a
# few eccentricities, uploaded as volumes of cases in two cohorts. Skips when cases exist.
set -euo pipefail
BIN=$1 URL=$2
: "${AOMAS_TOKEN:?seed.sh needs an admin token in AOMAS_TOKEN (aomas token create)}"
gql() { curl -fsS "$URL/graphql" -H 'content-type: application/json' -H "Authorization: Bearer $AOMAS_TOKEN" -d "$1"; }
count=$(gql '{"query":"{ cases(first: 1) { totalCount } }"}' | sed -E 's/.*"totalCount":([0-9]+).*/\1/')
if [ "$count" != "0" ]; then echo "  seed: $count cases already there, leaving them"; exit 0; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
i=0
for ecc in 1 2 4 7; do
  for eye in OD OS; do
    i=$((i + 1))
    cohort=$([ $((i % 2)) = 0 ] && echo cohort-a || echo cohort-b)
    "$BIN" phantom --kind cones --size 256 --seed "$i" --eccentricity-deg "$ecc" --frames 4 --out "$dir/p$i" >/dev/null
    id=$(gql "{\"query\":\"mutation { createCase(input: {subjectCode: \\\"S-PHANTOM-$((i / 2 + 1))\\\", eye: $eye, eccentricityDeg: $ecc, device: \\\"phantom\\\", tags: [\\\"$cohort\\\", \\\"synthetic\\\"]}) { case { id } } }\"}" |
      sed -E 's/.*"id":"([^"]+)".*/\1/')
    um=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["umPerPx"])' "$dir/p$i/truth.json")
    UM_PER_PX=$um AOMAS_URL=$URL "$(dirname "$0")/../docs/examples/upload.sh" "$id" "$dir/p$i/image.tif" >/dev/null
  done
done
echo "  seed: $i synthetic cases with phantom volumes"
