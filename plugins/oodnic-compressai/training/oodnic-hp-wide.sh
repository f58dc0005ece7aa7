#!/usr/bin/env bash
# Train (or go on training) the oodnic-hp-wide family: five fixed-rate scale hyperpriors (N = 64, M = 96), each
# widened from the oodnic-hp model of the same lambda (its channels copied, new ones grown by training; see
# train.widen) and trained on 128 x 128 crops of wikipedia-photos, never on Kodak. Highest rate first.
# Stage 1 (2,000 steps, OODNIC_HP_WIDE_STEPS) widens; stage 2 goes on from each stage-1 model for
# OODNIC_HP_WIDE_STAGE2_STEPS more (default 2400) in <out>/stage2; stage 3 goes on from stage 2 for
# OODNIC_HP_WIDE_STAGE3_STEPS more (default 2400) in <out>/stage3: the bundled weights are stage 3's. A stage of
# 0 steps ends the script.
# Resumable: run it again after an interruption and every rate point goes on from its last state (every 200 steps);
# finished points are skipped. Kodak's estimated bpp / PSNR is logged at each state (<out>/<name>-1.curve.jsonl).
#   bash training/oodnic-hp-wide.sh [OUT]     (from plugins/oodnic-compressai; OUT defaults to training/oodnic-hp-wide)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-training/oodnic-hp-wide}
shared=$(cd ../../.. && pwd)/shared/datasets
data=${OODNIC_WIKIPEDIA_DIR:-$shared/wikipedia-photos}
kodak=${OODNIC_KODAK_DIR:-$shared/kodak}
oodnic=${OODNIC:-../../.venv/bin/oodnic}
# quality: lambda (the oodnic-hp model of that quality is the starting point); highest rate first
points=("4 0.25" "3 0.05" "2 0.015" "1 0.005" "0 0.0018")

# stage FOLDER INIT_PATTERN STEPS SEED [extra options]: every rate point (INIT_PATTERN's %q is the quality)
stage() {
    local folder=$1 init=$2 steps=$3 seed=$4 point quality lambda
    shift 4
    [ "$steps" -gt 0 ] || exit 0
    for point in "${points[@]}"; do
        read -r quality lambda <<<"$point"
        "$oodnic" compressai-train --data "$data" --out "$folder" --name "oodnic-hp-wide-$quality" \
            --init "${init//%q/$quality}" --lambdas "$lambda" "$@" \
            --steps "$steps" --crop 128 --batch 8 --lr 2e-4 --half --seed "$seed" \
            --checkpoint-every 200 --eval-dir "$kodak" --resume --threads 1
    done
}
stage "$out" "oodnic_compressai/weights/oodnic-hp-%q.pt" "${OODNIC_HP_WIDE_STEPS:-2000}" 5 -N 64 -M 96
stage "$out/stage2" "$out/oodnic-hp-wide-%q-1.pt" "${OODNIC_HP_WIDE_STAGE2_STEPS:-2400}" 6
stage "$out/stage3" "$out/stage2/oodnic-hp-wide-%q-1.pt" "${OODNIC_HP_WIDE_STAGE3_STEPS:-2400}" 7
