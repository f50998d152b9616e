"""The tiny nnU-Net v2 model of tests/ai_real through the real worker, on the CPU.

Builds the tiny results folder with the AI venv's Python (tests/ai_real/
build_tiny_nnunet.py), then times single-fold predictions of its 3d_fullres model, each
in a fresh worker as the app runs them: the worker's start until "ready", the model
(torch and nnU-Net imported inside the adapter, checkpoint load, preprocessing, sliding
window, resampling back) and the whole call.

    python -m bench.tiny_nnunet --python .ai-venv/bin/python [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from demarcate.ai.client import PredictionRun

BUILDER = Path(__file__).resolve().parents[1] / "tests" / "ai_real" / "build_tiny_nnunet.py"
CASES = (((15, 18, 20), (2.0, 1.0, 1.0)), ((64, 96, 96), (1.0, 1.0, 1.0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="the AI venv's python")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        subprocess.run([args.python, str(BUILDER), root], check=True, capture_output=True)
        folder = str(Path(root) / "Dataset001_Tiny" / "nnUNetTrainer__nnUNetPlans__3d_fullres")
        print(f"{'image (z, y, x) @ spacing, mirroring':<44}{'start':>8}{'model':>8}"
              f"{'total':>8}   seconds, median of {args.repeat} (min)")
        for shape, spacing in CASES:
            image = np.random.default_rng(0).normal(size=shape).astype(np.float32)
            for mirroring in (False, True):
                params = {"model_folder": folder, "folds": [0], "use_mirroring": mirroring,
                          "mixed_precision": False, "device": "cpu"}
                phases = []
                for _ in range(args.repeat):
                    run = PredictionRun(args.python, "nnunet_v2", image, spacing, params)
                    started = time.perf_counter()
                    run.run()
                    phases.append({**run.phases_s, "total": time.perf_counter() - started})
                case = f"{shape} @ {spacing}, {'on' if mirroring else 'off'}"
                cells = "".join(
                    f"{statistics.median(p[k] for p in phases):8.1f}" for k in
                    ("start", "model", "total"))
                low = min(p["total"] for p in phases)
                print(f"{case:<44}{cells}   ({low:.1f})", flush=True)


if __name__ == "__main__":
    main()
