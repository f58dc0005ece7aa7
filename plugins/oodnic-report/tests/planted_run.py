"""Run a grid through :func:`oodnic_platform.run_grid` (in a subprocess that loads only the test plugins).

Usage: ``python planted_run.py '{"dataset": ..., "run_dir": ..., "codecs": [[name, [q, ...]], ...], ...}'``.
"""

from __future__ import annotations

import json
import sys

from oodnic_platform import CodecChoice, RunConfig, run_grid


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    codecs = [CodecChoice(name, qualities) for name, qualities in spec.pop("codecs")]
    outcome = run_grid(RunConfig(codecs=codecs, workers=1, device="cpu", **spec), progress=False)
    print(json.dumps({"total": outcome.total, "failed": outcome.failed}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
