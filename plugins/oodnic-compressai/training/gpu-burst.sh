#!/usr/bin/env bash
# A bounded GPU burst of the oodnic-hp training, for a lent GPU machine (the `device` tool's `run`), in two halves.
#
#   here:   bash plugins/oodnic-compressai/training/gpu-burst.sh prepare [QUALITY]
#           packs .gpu-carry/ (git-ignored, < 64 MiB): 12 of the 49 wikipedia-photos, the quality's latest training
#           state, and wheels for what the GPU image lacks (compressai 1.2.8 for CPython 3.12, pytorch-msssim)
#   there:  run(command="bash plugins/oodnic-compressai/training/gpu-burst.sh train 0", carry=[".gpu-carry"],
#               timeout_s=600)
#           trains quality QUALITY on cuda for at most 9 minutes (--resume from the carried state, states every
#           100 steps), then copies the newest state and curve into $OUT; put them back under training/oodnic-hp/
#           and go on here (or on the next GPU burst) with training/oodnic-hp.sh: same options, same signature.
# Unverified on a GPU so far (no machine was lent to the task that wrote it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
carry=$root/.gpu-carry
quality=${2:-0}
case "$1" in
prepare)
    shared=$(cd "$root/.." && pwd)/shared/datasets
    mkdir -p "$carry/photos" "$carry/wheels" "$carry/state"
    grep -qx '/.gpu-carry/' "$root/.git/info/exclude" 2>/dev/null || echo '/.gpu-carry/' >>"$root/.git/info/exclude"
    ls "${OODNIC_WIKIPEDIA_DIR:-$shared/wikipedia-photos}"/*.png | head -12 | xargs -I{} cp {} "$carry/photos/"
    cp "$root/plugins/oodnic-compressai/training/oodnic-hp/oodnic-hp-$quality-1".{state.pt,curve.jsonl} "$carry/state/" 2>/dev/null || true
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_34_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d "$carry/wheels" compressai==1.2.8 pytorch-msssim==1.0.0
    du -sh "$carry"
    ;;
train)
    python3 -m pip install -q --no-index --no-deps --target /tmp/site "$carry"/wheels/*.whl
    export PYTHONPATH=/tmp/site:$root:$root/plugins/oodnic-compressai
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
    lambdas=(0.0018 0.005 0.015 0.05 0.25)
    cp "$carry"/state/* /tmp/ 2>/dev/null || true
    mkdir -p /tmp/hp && cp /tmp/oodnic-hp-"$quality"-1.* /tmp/hp/ 2>/dev/null || true
    start=$(date +%s)
    timeout 540 python3 -m oodnic_compressai.train --data "$carry/photos" --out /tmp/hp --name "oodnic-hp-$quality" \
        --init "$root/plugins/oodnic-compressai/oodnic_compressai/weights/oodnic-tiny-$quality.pt" \
        --lambdas "${lambdas[$quality]}" --steps "${OODNIC_HP_STEPS:-700}" --crop 256 --batch 4 --lr 1e-4 --half \
        --seed 3 --checkpoint-every 100 --resume --device cuda || echo "stopped after $(( $(date +%s) - start )) s"
    cp /tmp/hp/* "$OUT/"
    ;;
*) echo "usage: gpu-burst.sh prepare|train [QUALITY]" >&2; exit 2 ;;
esac
