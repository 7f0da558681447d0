#!/usr/bin/env bash
# `make bench`: the figures the issues name, each printed with its target. Benchmarks are
# not tests: they report numbers, measured here on this machine in one run, as ratios where
# two things are compared. Run through make (services up, .local/services.env sourced).
set -euo pipefail
cd "$(dirname "$0")/.."
section() { printf '\n== %s ==\n' "$*"; }
BENCHTIME=${BENCHTIME:-1x}

section "GraphQL overhead against plain net/http (issue 2)"
go run ./internal/bench/graphqlload -duration "${GRAPHQL_LOAD_DURATION:-5s}"
go test -run '^$' -bench GraphQLTrivialQuery -benchtime 2s ./server/ | grep Benchmark

section "Imaging (issue 6)"
go test -run '^$' -bench 'PhaseCorrelate512|RegisterAverage|DetectCones|ConeMetrics10k' -benchtime 10x ./imaging/ | grep Benchmark
go test -run '^$' -bench 'AnalyzeStack' -benchtime 3x ./cmd/aomas/ | grep Benchmark

section "DICOM parsing against pydicom (issue 3)"
dcm=$(mktemp --suffix=.dcm)
trap 'rm -f "$dcm"' EXIT
ours=$(AOMAS_BENCH_DICOM_OUT=$dcm go test -run '^$' -bench BenchmarkParseDICOMMultiFrame -benchtime 20x ./ingest/ | grep Benchmark)
echo "$ours"
ours_mbs=$(echo "$ours" | awk '{for (i = 1; i < NF; i++) if ($(i+1) == "MB/s") print $i}')
if /usr/bin/python3 -c 'import pydicom' 2>/dev/null; then
  theirs=$(/usr/bin/python3 scripts/bench/pydicom_bench.py --repeat 5 "$dcm" | awk '/^pydicom_MBps/ {print $2}')
  python3 -c "print(f'  aomas {float(\"$ours_mbs\"):.0f} MB/s, pydicom {float(\"$theirs\"):.0f} MB/s, ratio {float(\"$ours_mbs\")/float(\"$theirs\"):.2f}x (targets: >= 1000 MB/s, >= 20x pydicom)')"
else
  echo "  pydicom is not installed (apt-get install python3-pydicom) so the ratio is not measured"
fi

section "Upload of a 512^3 uint16 volume through the API into MinIO, streamed (issues 3, 18): against a plain MinIO put, and serve's peak RSS"
make --no-print-directory build >/dev/null
PGOPTIONS="-c client_min_messages=warning" psql "$AOMAS_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS aomas_bench WITH (FORCE)" -c "CREATE DATABASE aomas_bench"
AOMAS_DATABASE_URL=${AOMAS_TEST_DATABASE_URL%/*}/aomas_bench?sslmode=disable go run ./internal/bench/upload -bin bin/aomas -n "${UPLOAD_N:-512}" 2> >(grep -v 'level=INFO' >&2)

section "Slices of the largest volume the limits allow, 20 clients at once (issue 13; target: serve's peak RSS < 512 MiB)"
PGOPTIONS="-c client_min_messages=warning" psql "$AOMAS_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS aomas_bench WITH (FORCE)" -c "CREATE DATABASE aomas_bench"
AOMAS_DATABASE_URL=${AOMAS_TEST_DATABASE_URL%/*}/aomas_bench?sslmode=disable go run ./internal/bench/slices -bin bin/aomas 2> >(grep -v 'level=INFO' >&2)

section "Pipeline queue (issue 5): enqueue -> start (target p50 <= 5 ms, p99 <= 50 ms), trivial steps/s (target >= 2000/s on 2 cores), small run end to end"
go test -run '^$' -bench 'EnqueueToStart' -benchtime 1000x ./internal/bench/pipeline/ | grep Benchmark
go test -run '^$' -bench 'TrivialStepThroughput' -benchtime 10000x ./internal/bench/pipeline/ | grep Benchmark
go test -run '^$' -bench 'SmallRunEndToEnd' -benchtime 30x ./internal/bench/pipeline/ | grep Benchmark

section "Annotation engine in Node (issue 8): Voronoi cells of 50,000 marks on a 4096x4096 mosaic"
(cd frontend && npx vitest bench --run 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^ +(name|·)')
echo "  label history line of a save of 50,000 marks (labels.Describe, both documents parsed):"
go test -run '^$' -bench Describe50k -benchtime 10x ./internal/labels/ | grep Benchmark
