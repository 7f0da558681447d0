#!/usr/bin/env bash
# Go + ONNX Runtime against PyTorch eager on one device, same network, same run: images/s at
# batch 1, 8 and 32 in fp32 and fp16, and the agreement of the outputs on a fixed input.
#
#   scripts/bench/gpu/run.sh cpu          CPU provider vs PyTorch on the CPU (make bench runs
#                                         this, small images, so the script is known to work)
#   scripts/bench/gpu/run.sh gpu ORTDIR   CUDA provider vs PyTorch on the GPU, ORTDIR holding
#                                         what ../shared/gpu/prepare-ort-cuda.sh writes (the
#                                         .xz files are unpacked into a temporary folder)
#
# The network is the U-Net of inference/testdata (the architecture of training/, random
# weights). The Go binary is built when Go is here, else taken from $ORTBENCH (build it with
# `go build -o DIR/ortbench ./internal/bench/ortbench` and carry it). SIZE, BATCHES and
# SECONDS override the mode's defaults.
set -euo pipefail
cd "$(dirname "$0")/../../.."
mode=${1:?usage: run.sh cpu | gpu ORTDIR}
py=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null && py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case $mode in
cpu)
  lib=${AOMAS_ORT_LIB:-$PWD/.local/onnxruntime/libonnxruntime.so.1}
  dev=cpu torchdev=cpu size=${SIZE:-128} seconds=${SECONDS_PER:-1}
  ;;
gpu)
  src=${2:?usage: run.sh gpu ORTDIR}
  mkdir -p "$work/ort"
  for f in "$src"/*; do
    case $f in
    *.xz) xz -dc "$f" >"$work/ort/$(basename "${f%.xz}")" ;;
    *) cp "$f" "$work/ort/" ;;
    esac
  done
  lib=$work/ort/libonnxruntime.so.1
  dev=cuda torchdev=cuda size=${SIZE:-512} seconds=${SECONDS_PER:-3}
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  ;;
*) echo "unknown mode $mode (cpu or gpu)" >&2; exit 2 ;;
esac
batches=${BATCHES:-1,8,32}

bin=${ORTBENCH:-}
if [ -z "$bin" ]; then
  bin=$work/ortbench
  go build -o "$bin" ./internal/bench/ortbench
fi
card=inference/testdata/unet-small.card.json
fp32=inference/testdata/unet-small.onnx
fp16=$work/unet-small-fp16.onnx
if ! "$py" scripts/bench/gpu/fp16.py "$fp32" "$fp16" 2>"$work/fp16.err"; then
  echo "fp16: no fp16 model ($(tail -1 "$work/fp16.err")); fp32 only"
  fp16=
fi

run_ort() { AOMAS_ORT_LIB=$lib "$bin" -card "$card" "$@"; }
echo "$(run_ort -device "$dev" -onnx "$fp32" -size 8 -batches 1 -seconds 0 2>&1 >/dev/null | sed 's/^ortbench: //')"
: >"$work/rows.jsonl"
for dtype in fp32 fp16; do
  model=$fp32 half=
  if [ "$dtype" = fp16 ]; then
    [ -n "$fp16" ] || continue
    model=$fp16 half=--half
  fi
  run_ort -device "$dev" -onnx "$model" -dtype "$dtype" -size "$size" -batches "$batches" -seconds "$seconds" 2>/dev/null >>"$work/rows.jsonl" \
    || echo "go-ort $dtype on $dev failed" >&2
  # PyTorch has no fp16 convolution on the CPU: its fp16 row is measured on the GPU only.
  if [ "$dtype" = fp32 ] || [ "$torchdev" = cuda ]; then
    "$py" inference/testdata/unet_small.py bench --device "$torchdev" $half --size "$size" --batch "$batches" --seconds "$seconds" >>"$work/rows.jsonl" \
      || echo "pytorch $dtype on $torchdev failed" >&2
  fi
done

# Agreement on one fixed input: PyTorch fp32 on the CPU is the reference.
run_ort -device "$dev" -onnx "$fp32" -dtype fp32 -size "$size" -dump "$work" 2>/dev/null
[ -n "$fp16" ] && run_ort -device "$dev" -onnx "$fp16" -dtype fp16 -size "$size" -dump "$work" 2>/dev/null
"$py" inference/testdata/unet_small.py run "$work/input.f32" "$work/torch-cpu-fp32.f32" --size "$size" --device cpu
: >"$work/agree.jsonl"
for f in "$work"/output-*.f32; do "$bin" -compare "$f" "$work/torch-cpu-fp32.f32" >>"$work/agree.jsonl"; done
if [ "$dev" = cuda ]; then
  mkdir -p "$work/cpu"
  run_ort -device cpu -onnx "$fp32" -dtype fp32 -size "$size" -dump "$work/cpu" 2>/dev/null
  "$bin" -compare "$work/output-cuda-fp32.f32" "$work/cpu/output-cpu-fp32.f32" >>"$work/agree.jsonl"
  "$py" inference/testdata/unet_small.py run "$work/input.f32" "$work/torch-cuda-fp32.f32" --size "$size" --device cuda
  "$bin" -compare "$work/torch-cuda-fp32.f32" "$work/torch-cpu-fp32.f32" >>"$work/agree.jsonl"
fi

"$py" - "$work/rows.jsonl" "$work/agree.jsonl" "$dev" "$size" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
dev, size = sys.argv[3], sys.argv[4]
ips = {(r["impl"], r["dtype"], r["batch"]): r["images_per_s"] for r in rows}
print(f"  {size}x{size} on {dev}: images/s (Go + ONNX Runtime 1.29.0 vs PyTorch eager, same run)")
print(f"  {'dtype':6} {'batch':>5} {'go+ort':>10} {'pytorch':>10} {'ratio':>7}")
for dtype in ("fp32", "fp16"):
    for b in sorted({r["batch"] for r in rows}):
        g, t = ips.get(("go-ort", dtype, b)), ips.get(("pytorch-eager", dtype, b))
        if g is None and t is None:
            continue
        fmt = lambda v: f"{v:10.2f}" if v else f"{'-':>10}"
        ratio = f"{g / t:6.2f}x" if g and t else f"{'-':>7}"
        print(f"  {dtype:6} {b:5d} {fmt(g)} {fmt(t)} {ratio}")
print("  agreement on a fixed input (max |a-b|; relative to max(|b|, 1e-3)):")
for l in open(sys.argv[2]):
    a = json.loads(l)
    print(f"    {a['a']:>24} vs {a['b']:<22} max_abs {a['max_abs']:.2e}  max_rel {a['max_rel']:.2e}")
PY
