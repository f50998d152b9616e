"""The AI worker's overhead: start-up, the handoff of a 512 x 512 x 300 volume, a cache hit.

The model is the tests' fake model doing nothing but a threshold, so what is timed is
the worker machinery: the worker's start until it says "ready" (a Python starting and
importing numpy), the client's copy of the float32 image into shared memory, the
worker's attach, the worker's copy of the uint16 label map into its block and the
client's copy out of it; then the cache: the key (sha256 over the image bytes), storing
the result, and a hit (no worker). The image is a smooth synthetic field, so the label
map is made of large regions as an organ map is (noise would make the cache entry
~20 times larger and slower to pack than a real result).

    python -m bench.ai_worker [--size 512] [--slices 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from demarcate.ai.cache import PredictionCache, prediction_key
from demarcate.ai.client import PredictionRun, run_prediction

FAKE_MODEL = str(Path(__file__).resolve().parents[1] / "tests" / "ai" / "fake_model.py")
SPACING = (1.0, 0.8, 0.8)


def smooth_volume(shape: tuple[int, int, int]) -> np.ndarray:
    """Values in 0..1 varying over tens of voxels: thresholds give organ-sized regions."""
    z, y, x = (np.arange(n, dtype=np.float32) for n in shape)
    field = (np.sin(z / 29 + 1)[:, None, None] * np.cos(y / 53)[None, :, None]
             * np.sin(x / 37)[None, None, :])
    return field * 0.5 + 0.5


def timed_runs(image: np.ndarray, repeat: int) -> list[dict[str, float]]:
    """The phases of ``repeat`` predictions, each in a fresh worker."""
    phases = []
    for _ in range(repeat):
        run = PredictionRun(sys.executable, FAKE_MODEL, image, SPACING, {})
        started = time.perf_counter()
        run.run()
        phases.append({**run.phases_s, "total": time.perf_counter() - started})
    return phases


def line(case: str, values: list[float]) -> None:
    print(f"{case:<44}{statistics.median(values) * 1000:9.1f}{min(values) * 1000:9.1f}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="rows and columns (512)")
    parser.add_argument("--slices", type=int, default=300, help="slices (300)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case (3)")
    args = parser.parse_args()
    shape = (args.slices, args.size, args.size)
    image = smooth_volume(shape)
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}; "
          f"image {'x'.join(map(str, shape))} float32 ({image.nbytes / 2**20:.0f} MB)")
    print(f"{'case':<44}{'median ms':>9}{'min ms':>9}")

    small = timed_runs(np.zeros((1, 8, 8), np.float32), args.repeat)
    line("worker start-up until ready", [p["start"] for p in small])
    big = timed_runs(image, args.repeat)
    for phase, label in (("copy_in", "client copy-in (float32 into shared memory)"),
                         ("attach", "worker attach"),
                         ("write", "worker writes the uint16 label map"),
                         ("copy_out", "client copy-out (uint16)"),
                         ("model", "the fake model's threshold")):
        line(label, [p[phase] for p in big])
    line("handoff (copy-in + attach + write + copy-out)",
         [p["copy_in"] + p["attach"] + p["write"] + p["copy_out"] for p in big])
    line("whole prediction (start-up included)", [p["total"] for p in big])

    keys, stores, hits = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            started = time.perf_counter()
            key = prediction_key(image[np.newaxis], SPACING, FAKE_MODEL, {})
            keys.append(time.perf_counter() - started)
        cache = PredictionCache(folder)
        for _ in range(args.repeat):
            cache.clear()
            labels = run_prediction(sys.executable, FAKE_MODEL, image, SPACING, {},
                                    cache=cache).labels
            started = time.perf_counter()
            cache.put(key, labels, {1: "bright", 2: "brightest"})
            stores.append(time.perf_counter() - started)
            hit = run_prediction(sys.executable, FAKE_MODEL, image, SPACING, {}, cache=cache)
            assert hit.from_cache
            hits.append(hit.seconds)
        entry_mb = cache.total_bytes() / 2**20
    line("cache key (sha256 of the image)", keys)
    line("cache store (zstd)", stores)
    line("cache hit (key + read + unpack, no worker)", hits)
    print(f"cache entry: {entry_mb:.1f} MB for {labels.nbytes / 2**20:.0f} MB of labels")


if __name__ == "__main__":
    main()
