#!/usr/bin/env bash
# The paper's third question at small scale: how do the training data's spectral properties move what a neural codec
# does out of distribution? The same recipe (scale hyperprior, N = 48, M = 64, lambda 0.013, 1,500 steps of 8
# crops of 128 x 128, seed 11) is trained from scratch on the same wikipedia-photos under three spectral regimes:
#   none        the photographs as they are
#   noise:0.04  white Gaussian noise of std 0.04 (about 10 grey levels) added to every crop: more high frequencies
#   blur:1.5    a Gaussian low-pass of std 1.5 px on every crop: fewer high frequencies
# then the three models code Kodak-C (first IMAGES Kodak images, paper geometry, clean + 15 corruptions x 5 severities,
# with the paper's spectra) into runs/spectral-regimes at the repository root; docs/findings.md reads it. Resumable: run it again after an
# interruption (training states every 250 steps; finished rows are never recomputed).
#   bash training/spectral-regimes.sh [OUT] [IMAGES]   (from plugins/oodnic-compressai; OUT: training/spectral-regimes)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-training/spectral-regimes}
images=${2:-8}
shared=$(cd ../../.. && pwd)/shared/datasets
data=${OODNIC_WIKIPEDIA_DIR:-$shared/wikipedia-photos}
kodak=${OODNIC_KODAK_DIR:-$shared/kodak}
oodnic=${OODNIC:-../../.venv/bin/oodnic}
codecs=()
for regime in none noise:0.04 blur:1.5; do
    name=regime-${regime%%:*}
    "$oodnic" compressai-train --data "$data" --out "$out" --name "$name" --data-filter "$regime" \
        -N 48 -M 64 --lambdas 0.013 --steps "${OODNIC_REGIME_STEPS:-1500}" --crop 128 --batch 8 --lr 5e-4 \
        --seed 11 --checkpoint-every 250 --resume --threads 1
    codecs+=(--codec "compressai-user:arch=bmshj2018-hyperprior,checkpoint=$(cd "$out" && pwd)/$name-{quality}.pt")
done
OODNIC_KODAK_DIR=$kodak "$oodnic" run --dataset kodak --dataset-option geometry=paper --images "$images" --corruption all \
    --severity 1,2,3,4,5 --quality compressai-user=1 "${codecs[@]}" --workers 1 --no-progress \
    --metric bpp --metric psnr --metric psnr_wrt_clean --metric spectral_paper --metric spectral:planes=false \
    --run-dir ../../runs/spectral-regimes
