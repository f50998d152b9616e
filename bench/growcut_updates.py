"""GrowCut on a CT-like volume: the first run against itk-growcut's FastGrowCut, then
the update after one scribble, as the coarse preview and as the exact incremental run.

    python -m bench.growcut_updates               # 512x512x300 (FastGrowCut: minutes)
    python -m bench.growcut_updates --size 256    # 256x256x150, well under a minute
    python -m bench.growcut_updates --no-peer     # without FastGrowCut

The volume is bench/kernels.py's CT stand-in (smoothed noise, bright spheres) with its
seeds: a small object cube at the brightest spot (label 1) and three background lines
(label 2). Two strokes follow, each timed on its own: a short object stroke next to the
object seed (a local correction), then a background stroke in the middle of the volume,
which takes over about a quarter of it (every path cost there gets cheaper, though few
labels change). For each the table gives the coarse preview (``growcut_coarse``, best
of 3), how much of the box it labels as the exact run does, and the exact incremental
re-run (``growcut(..., previous=...)``, one run) with the share of voxels whose cost
changed: the work of an exact re-run. The ratio is the peer's time over ours: the full
run of ours or FastGrowCut, which has no incremental mode. Last, a 20-slice volume
(too thin for two 16-plane Z slabs) shows the split along Y against one thread.

Timings include one untimed warm-up per kernel (numba compile or cache load, ITK module
load). Other processes on the machine change them: run on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import numba
import numpy as np

from bench.kernels import bright_spot, ct_like, dice, growcut_seeds
from bench.timing import best_of
from demarcate.gpu.growcut import growcut, growcut_coarse


def timed(function):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def fast_grow_cut(image: np.ndarray, seeds: np.ndarray) -> tuple[float, np.ndarray]:
    """Seconds and labels of itk-growcut's FastGrowCut (after loading its module)."""
    import itk

    tiny_image = itk.image_from_array(np.zeros((8, 4, 4), np.float32))
    tiny_seeds = np.zeros((8, 4, 4), np.uint8)
    tiny_seeds[0, 0, 0], tiny_seeds[-1, 3, 3] = 1, 2
    tiny = itk.image_from_array(tiny_seeds)
    tiny.CopyInformation(tiny_image)
    itk.fast_grow_cut(tiny_image, seed_image=tiny)  # loads the module, untimed
    peer_image = itk.image_from_array(image.astype(np.float32))
    peer_seeds = itk.image_from_array(seeds.astype(np.uint8))
    peer_seeds.CopyInformation(peer_image)
    seconds, output = timed(lambda: itk.fast_grow_cut(peer_image, seed_image=peer_seeds))
    return seconds, itk.array_from_image(output)


def warm_up() -> None:
    """Compile (or load) every kernel the timed calls use, on a tiny volume."""
    image = np.zeros((40, 8, 8), np.int16)
    image[10:30] = 500
    seeds = np.zeros(image.shape, np.uint8)
    seeds[0, 0, 0], seeds[-1, 7, 7] = 1, 2
    result = growcut(image, seeds, slabs=2)
    seeds[20, 4, 4] = 1
    growcut(image, seeds, previous=result)
    growcut_coarse(image, seeds, factor=2)


def row(case: str, seconds: float, versus: str = "", other: float = float("nan"),
        note: str = "") -> None:
    """One table line; ratio = other / ours (> 1: ours is faster)."""
    compared = f"{other:9.3f} {other / seconds:7.1f}" if versus else " " * 17
    print(f"{case:<44}{seconds:9.3f}  {versus:<22}{compared}  {note}", flush=True)


def bench_updates(image: np.ndarray, with_peer: bool) -> None:
    seeds = growcut_seeds(image)
    first_s, result = timed(lambda: growcut(image, seeds))
    if with_peer:
        peer_s, peer = fast_grow_cut(image, seeds)
        agreement = min(dice(result.labels == v, peer == v) for v in (1, 2))
        row("first run", first_s, "itk FastGrowCut", peer_s, f"dice {agreement:.3f}, "
            f"{len(result.slab_bounds)} slabs along axis {result.slab_axis}")
    else:
        peer_s = float("nan")
        row("first run", first_s, note=f"{len(result.slab_bounds)} slabs")
    depth, height, width = image.shape
    z, y, x = bright_spot(image)
    strokes = {"near object": (np.s_[z, min(y + 3, height - 1), max(0, x - 5):x + 6], 1),
               "quarter volume": (np.s_[depth // 2, height // 2 + 5:height // 2 + 15,
                                        width // 3], 2)}
    for kind, (where, value) in strokes.items():
        seeds = seeds.copy()
        seeds[where] = value
        preview_s = best_of(lambda s=seeds: growcut_coarse(image, s), 3)
        preview = growcut_coarse(image, seeds)
        before = result.path_costs()  # a copy: the re-run takes the arrays over
        exact_s, result = timed(lambda s=seeds, p=result: growcut(image, s, previous=p))
        changed = 100 * np.count_nonzero(result.path_costs() != before) / image.size
        del before
        agree = 100 * np.mean(preview == result.labels)
        row(f"{kind}: coarse preview", preview_s, "our full run", first_s,
            f"{agree:.2f} % as exact")
        row(f"{kind}: exact incremental", exact_s, "our full run", first_s,
            f"path {result.path}, {changed:.2g} % of costs changed")
        if peer_s == peer_s:
            row(f"{kind}: exact incremental", exact_s, "itk FastGrowCut re-run", peer_s)
    # The tool's order: preview first, then the exact re-run in the background. A
    # preview asked for while an exact re-run still runs shares the cores with it.
    seeds = seeds.copy()
    seeds[depth // 3, height // 3, width // 4:width // 2] = 2
    worker = threading.Thread(target=lambda: growcut(image, seeds, previous=result))
    worker.start()
    busy_s, _ = timed(lambda: growcut_coarse(image, seeds))
    worker.join()
    row("coarse preview beside an exact re-run", busy_s, note="both on the same cores")


def bench_thin(size: int) -> None:
    """A 20-slice volume: default slabs (along Y) against one slab (one thread)."""
    image = ct_like((20, size, size), seed=1)
    seeds = growcut_seeds(image)
    split_s, split = timed(lambda: growcut(image, seeds))
    one_s, one = timed(lambda: growcut(image, seeds, slabs=1))
    assert np.array_equal(split.labels, one.labels)
    row(f"20-slice first run, {len(split.slab_bounds)} slabs along axis {split.slab_axis}",
        split_s, "one slab", one_s, "same labels")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.growcut_updates",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=512,
                        help="rows and columns; slices = size * 300 / 512 (default 512)")
    parser.add_argument("--no-peer", action="store_true", help="skip itk FastGrowCut")
    args = parser.parse_args(argv)
    shape = (max(20, args.size * 300 // 512), args.size, args.size)
    print(f"volume {shape[2]}x{shape[1]}x{shape[0]} int16, {os.cpu_count()} CPUs, "
          f"{numba.get_num_threads()} numba threads", flush=True)
    warm_up()
    print(f"{'case':<44}{'ours_s':>9}  {'versus':<22}{'other_s':>9} {'ratio':>7}  note")
    bench_updates(ct_like(shape), not args.no_peer)
    bench_thin(args.size)


if __name__ == "__main__":
    main()
