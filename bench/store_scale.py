"""Paper scale is the normal case: planning, resuming and summarising a 200,000-row store, timed.

    .venv/bin/python bench/store_scale.py [--images 5000]

Target: seconds each on an idle 2-core machine (a quadratic step would take hours at this size).
tests/test_scale.py checks the same steps' results on a smaller store, untimed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_scale import build_store  # noqa: E402  (the test's own store builder, after the path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000, help="images x 5 inputs x 8 qualities rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oodnic-bench-") as tmp:
        timings = build_store(Path(tmp), args.images)
    rows = args.images * 5 * 8
    print(f"{rows} rows: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()))


if __name__ == "__main__":
    main()
