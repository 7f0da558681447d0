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

section "OCT volumes (issue 17): layers of a 512 B-scan x 496 x 512 volume (target < 30 s wall on 2 idle cores = 60 CPU-s) and the whole OCT analysis (target < 60 s = 120 CPU-s); cpu-s are load-independent"
go test -run '^$' -bench 'OCTLayers512|OCTAnalysis512' -benchtime 1x -timeout 30m ./imaging/ | grep Benchmark

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

section "DICOM C-STORE: storescu -> aomas beside storescu -> dcmtk storescp, same machine, same run (issue 18; target >= 1x)"
PGOPTIONS="-c client_min_messages=warning" psql "$AOMAS_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS aomas_bench WITH (FORCE)" -c "CREATE DATABASE aomas_bench"
AOMAS_DATABASE_URL=${AOMAS_TEST_DATABASE_URL%/*}/aomas_bench?sslmode=disable go run ./internal/bench/dicomstore -bin bin/aomas -n "${DICOM_N:-240}" 2> >(grep -v 'level=INFO' >&2)
go test -run '^$' -bench 'PDU' -benchtime 2s ./internal/dimse/ | grep Benchmark

section "Slices of the largest volume the limits allow, 20 clients at once (issue 13; target: serve's peak RSS < 512 MiB)"
PGOPTIONS="-c client_min_messages=warning" psql "$AOMAS_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS aomas_bench WITH (FORCE)" -c "CREATE DATABASE aomas_bench"
AOMAS_DATABASE_URL=${AOMAS_TEST_DATABASE_URL%/*}/aomas_bench?sslmode=disable go run ./internal/bench/slices -bin bin/aomas 2> >(grep -v 'level=INFO' >&2)

section "Pipeline queue (issue 5): enqueue -> start (target p50 <= 5 ms, p99 <= 50 ms), trivial steps/s (target >= 2000/s on 2 cores), small run end to end"
go test -run '^$' -bench 'EnqueueToStart' -benchtime 1000x ./internal/bench/pipeline/ | grep Benchmark
go test -run '^$' -bench 'TrivialStepThroughput' -benchtime 10000x ./internal/bench/pipeline/ | grep Benchmark
go test -run '^$' -bench 'SmallRunEndToEnd' -benchtime 30x ./internal/bench/pipeline/ | grep Benchmark

section "Segment step on a 512x512 image on one worker (issue 15): shipped models on the CPU with and without test-time augmentation, beside the classical detectors"
go test -run '^$' -bench 'SegmentStep512' -benchtime 5x ./internal/bench/pipeline/ | grep Benchmark
echo "  HIGH_UNCERTAINTY limits against the validation subjects (worker.MaxModelUncertainty):"
go test -run '^$' -bench 'UncertaintyThreshold' -benchtime 1x -v ./jobs/worker/ | grep -E 'Benchmark|limit|flagged:'

section "Annotation engine in Node (issue 8): Voronoi cells of 50,000 marks on a 4096x4096 mosaic"
(cd frontend && npx vitest bench --run 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^ +(name|·)')
echo "  label history line of a save of 50,000 marks (labels.Describe, both documents parsed):"
go test -run '^$' -bench Describe50k -benchtime 10x ./internal/labels/ | grep Benchmark

section "Learned segmenter on the CPU (issue 15): Go + ONNX Runtime against PyTorch eager, 512x512 (target >= 1.5x)"
# The same network both sides: the shipped confocal cone model (training/bench_torch.py rebuilds
# it from training/weights/) when present, else the small U-Net of inference/testdata. Two
# alternating rounds, best of each, so a burst of load on a shared machine hits both alike.
net=unet-small
[ -f internal/models/cones-confocal.onnx ] && [ -f training/bench_torch.py ] && [ -f training/weights/cones-confocal.pt ] && net=cones-confocal
ort_ips() {
  local out
  out=$(go test -run '^$' -bench "Heatmaps512/model=$net/" -benchtime "${ORT_BENCHTIME:-3x}" ./inference/ | grep Benchmark)
  echo "$out" >&2
  echo "$out" | awk '{for (i = 1; i < NF; i++) if ($(i+1) == "images/s") { n = split($1, a, "="); sub(/-[0-9]+$/, "", a[n]); print a[n], $i }}'
}
torch_ips() {
  if [ "$net" = cones-confocal ]; then
    /usr/bin/python3 training/bench_torch.py --model "$net" --batches 1,8 --seconds "${TORCH_SECONDS:-5}" |
      sed -n 's/.* batch=\([0-9]*\) .*images_per_s=\([0-9.]*\).*/\1 \2/p'
  else
    /usr/bin/python3 inference/testdata/unet_small.py bench --batch 1,8 --seconds "${TORCH_SECONDS:-5}" |
      python3 -c 'import json,sys; [print(r["batch"], r["images_per_s"]) for r in map(json.loads, sys.stdin)]'
  fi
}
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  rounds=$(for r in 1 2; do ort_ips | sed 's/^/ort /'; torch_ips | sed 's/^/torch /'; done)
  echo "$rounds" | NET=$net python3 -c '
import os, sys, collections
best, name = collections.defaultdict(float), os.environ["NET"]
for impl, batch, ips in (l.split() for l in sys.stdin if l.strip()):
    best[impl, int(batch)] = max(best[impl, int(batch)], float(ips))
for b in (1, 8):
    o, t = best["ort", b], best["torch", b]
    print(f"  {name}, batch {b}: Go + ORT {o:.2f} images/s, PyTorch eager {t:.2f} images/s, ratio {o / t:.2f}x (target >= 1.5x)")'
else
  echo "  PyTorch is not installed (apt-get install python3-torch) so the ratio is not measured"
  ort_ips >/dev/null
fi
go test -run '^$' -bench 'Cones512TTA' -benchtime 3x ./inference/ | grep Benchmark

section "GPU comparison script, CPU mode (issue 15; on a GPU machine: scripts/bench/gpu/run.sh gpu ORTDIR)"
if /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null; then
  scripts/bench/gpu/run.sh cpu
else
  echo "  PyTorch or onnx is not installed (apt-get install python3-torch python3-onnx): not run"
fi
