#!/usr/bin/env bash
# make train: installs PyTorch and onnx from Debian when missing, writes the training data with
# the Go phantom and data code, trains the three networks from one seed, evaluates them (post-
# processing tuned on the training subjects, scored on the validation subjects) and exports
# internal/models/*.onnx, their cards and fixtures. Not part of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
SEED=${SEED:-1}
WORK=${AOMAS_TRAIN_WORK:-training/work}
# Two 1-thread trainings side by side use both cores without OpenMP's synchronisation (which
# costs a lot on a loaded machine); the shipped weights were trained this way, 1 thread each.
export AOMAS_TRAIN_WORK=$PWD/$WORK AOMAS_TRAIN_THREADS=${AOMAS_TRAIN_THREADS:-1}
$PY -c 'import torch, onnx' 2>/dev/null || scripts/apt.sh python3-torch python3-onnx python3-numpy
mkdir -p "$WORK/logs"
start=$(date +%s)
go run ./internal/trainprep data -shared "${AOMAS_SHARED_DIR:-../shared}" -out "$WORK" -seed "$SEED"
( $PY training/train_cones.py --modality confocal --seed "$SEED" --steps "${CONFOCAL_STEPS:-450}" &&
  $PY training/train_capillaries.py --seed "$SEED" --steps "${CAPILLARY_STEPS:-200}" ) > "$WORK/logs/chain-a.log" 2>&1 &
a=$!
$PY training/train_cones.py --modality split --seed "$SEED" --steps "${SPLIT_STEPS:-550}" > "$WORK/logs/chain-b.log" 2>&1 &
b=$!
wait $a || { cat "$WORK/logs/chain-a.log"; exit 1; }
wait $b || { cat "$WORK/logs/chain-b.log"; exit 1; }
$PY training/evaluate_cones.py --modality confocal > "$WORK/logs/eval-confocal.log" 2>&1 &
a=$!
$PY training/evaluate_cones.py --modality split > "$WORK/logs/eval-split.log" 2>&1 &
b=$!
go run ./internal/trainprep capeval -work "$WORK" > "$WORK/capillaries.eval.json"
wait $a || { cat "$WORK/logs/eval-confocal.log"; exit 1; }
wait $b || { cat "$WORK/logs/eval-split.log"; exit 1; }
tail -n 4 "$WORK/logs/eval-confocal.log" "$WORK/logs/eval-split.log"
$PY training/export.py
echo "make train: $(( $(date +%s) - start )) s"
