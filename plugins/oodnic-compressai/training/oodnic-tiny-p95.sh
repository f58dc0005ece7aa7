#!/usr/bin/env bash
# The paper's pruned model, fixed-rate: oodnic-tiny qualities 0, 2 and 4 (the paper presets' ladder) each pruned to
# 95 % by gradual magnitude pruning (cubic schedule, one global threshold) over the first half of 3000 steps,
# the recipe of oodnic-tiny-vr-p95. Resumable (states every 250 steps): run it again after any stop.
#   bash training/oodnic-tiny-p95.sh [OUT] [QUALITY...]     (from plugins/oodnic-compressai)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-training/oodnic-tiny-p95}
shift || true
shared=$(cd ../../.. && pwd)/shared/datasets
data=${OODNIC_WIKIPEDIA_DIR:-$shared/wikipedia-photos}
oodnic=${OODNIC:-../../.venv/bin/oodnic}
declare -A lambdas=([0]=0.0012 [2]=0.013 [4]=0.13)   # oodnic-tiny's own lambdas
for quality in "${@:-0 2 4}"; do
    for q in $quality; do
        "$oodnic" compressai-train --data "$data" --out "$out" --name "oodnic-tiny-p95-$q" \
            --init "oodnic_compressai/weights/oodnic-tiny-$q.pt" --lambdas "${lambdas[$q]}" \
            --prune 0.95 --prune-window 0,0.5 --steps 3000 --lr 2e-4 --half --seed 0 \
            --checkpoint-every 250 --resume --threads 1
    done
done
