#!/usr/bin/env bash
# Train (or go on training) the oodnic-hp family: five fixed-rate scale hyperpriors (N = 48, M = 64), each
# fine-tuned from the nearest oodnic-tiny model on 256 x 256 crops of wikipedia-photos, never on Kodak.
# Resumable: run it again after an interruption (kill, reboot, end of a session) and every rate point goes on
# from its last state (states every 100 steps); finished points are skipped. Kodak's estimated bpp / PSNR is logged
# at each state (<out>/oodnic-hp-<q>-1.curve.jsonl; evaluated only, never trained on).
#   bash training/oodnic-hp.sh [OUT]        (from plugins/oodnic-compressai; OUT defaults to training/oodnic-hp)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-training/oodnic-hp}
shared=$(cd ../../.. && pwd)/shared/datasets
data=${OODNIC_WIKIPEDIA_DIR:-$shared/wikipedia-photos}
kodak=${OODNIC_KODAK_DIR:-$shared/kodak}
oodnic=${OODNIC:-../../.venv/bin/oodnic}
# quality: lambda and the oodnic-tiny quality it starts from
points=("0 0.0018 0" "1 0.005 1" "2 0.015 2" "3 0.05 3" "4 0.25 4")
for point in "${points[@]}"; do
    read -r quality lambda init <<<"$point"
    "$oodnic" compressai-train --data "$data" --out "$out" --name "oodnic-hp-$quality" \
        --init "oodnic_compressai/weights/oodnic-tiny-$init.pt" --lambdas "$lambda" \
        --steps "${OODNIC_HP_STEPS:-700}" --crop 256 --batch 4 --lr 1e-4 --half --seed 3 \
        --checkpoint-every 100 --eval-dir "$kodak" --resume --threads 1
done
