#!/usr/bin/env bash
# Set up .venv with the core and every plugin under plugins/, pinned by constraints.txt.
# Idempotent: run it again after pulling. Works offline once the wheels are cached.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${pip[@]}" install -c constraints.txt setuptools wheel
packages=(-e ".[parquet]")
for plugin in plugins/*/; do
    [ -f "$plugin/pyproject.toml" ] || continue
    extras=$(grep -q '^slurm = ' "$plugin/pyproject.toml" && echo "[slurm]" || true)  # oodnic-dask's Slurm recipe
    packages+=(-e "${plugin%/}$extras")
done
"${pip[@]}" install --no-build-isolation -c constraints.txt "${packages[@]}" pytest ruff mypy
echo "installed: $(.venv/bin/python -m pip list 2>/dev/null | grep -c '^oodnic') oodnic packages in .venv"
