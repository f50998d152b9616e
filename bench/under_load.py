"""Small 2D kernels on a busy machine: two CPU-bound processes run beside the timing.

    python -m bench.under_load     # also the last lines of ``python -m bench``

A distance map of a 20x512 strip and the slice interpolation of an organ-sized pair of
512x512 masks, each timed idle and then with two busy processes (as many as the cores
of a small laptop) beside it, against plain SciPy: ``distance_transform_edt`` twice for
the signed map, and for interpolation the same blend of two signed maps on the same box
around both masks as ours (so the ratio compares the distance kernels, not the crop).

Where the scheduler puts our threads beside the busy processes decides how much a
parallel kernel loses (the same 20x512 map took 0.14 ms or 12.6 ms in two runs when
numba's OpenMP workers spun while waiting; see ``demarcate.gpu``). So the time is the
mean over :data:`ROUNDS` rounds of :data:`RUNS` runs, each round with freshly started
busy processes: what a user waits on average. SciPy is single-threaded and only shares
the cores.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator

import numpy as np
from scipy import ndimage

from bench.timing import report, run_times
from demarcate.gpu.backend import bounding_box
from demarcate.gpu.distance import interpolate_masks, signed_distance

BUSY_PROCESSES = 2
ROUNDS = 5
RUNS = 10
SPACING = (0.7, 0.7)
_SPIN = "print('spinning', flush=True)\nwhile True:\n    pass"


@contextlib.contextmanager
def busy_processes(count: int = BUSY_PROCESSES) -> Iterator[None]:
    """``count`` Python processes spinning on a CPU each (entered once they spin);
    stopped on leaving, also on error."""
    processes = []
    try:
        for _ in range(count):
            processes.append(subprocess.Popen([sys.executable, "-c", _SPIN],
                                              stdout=subprocess.PIPE))
        for process in processes:
            process.stdout.readline()
        yield
    finally:
        for process in processes:
            process.kill()
        for process in processes:
            process.wait()
            process.stdout.close()


def scipy_signed(mask: np.ndarray) -> np.ndarray:
    """Signed distance (inside negative) with SciPy's exact EDT, twice."""
    return (ndimage.distance_transform_edt(~mask, sampling=SPACING)
            - ndimage.distance_transform_edt(mask, sampling=SPACING))


def scipy_interpolation(lower: np.ndarray, upper: np.ndarray, ratio: float) -> np.ndarray:
    """Shape-based interpolation in plain SciPy, on the box around both masks plus one."""
    box = tuple(slice(max(0, min(a.start, b.start) - 1), max(a.stop, b.stop) + 1)
                for a, b in zip(bounding_box(lower), bounding_box(upper), strict=True))
    result = np.zeros(lower.shape, bool)
    result[box] = (1 - ratio) * scipy_signed(lower[box]) + ratio * scipy_signed(upper[box]) <= 0
    return result


def cases() -> dict[tuple[str, str], Callable[[], object]]:
    """(case, who) -> function; who is "ours" or the peer's name."""
    strip = np.zeros((20, 512), bool)
    strip[5:15, 100:400] = True
    yy, xx = np.ogrid[:512, :512]
    lower = (yy - 200) ** 2 + (xx - 240) ** 2 < 80**2
    upper = (yy - 280) ** 2 / 2 + (xx - 300) ** 2 < 90**2
    return {
        ("distance2d_20x512", "ours"): lambda: signed_distance(strip, SPACING),
        ("distance2d_20x512", "scipy edt x2"): lambda: scipy_signed(strip),
        ("interpolation2d_512_organ", "ours"):
            lambda: interpolate_masks(lower, upper, 0.4, SPACING),
        ("interpolation2d_512_organ", "scipy edt x4"):
            lambda: scipy_interpolation(lower, upper, 0.4),
    }


def bench_under_load(rounds: int = ROUNDS, runs: int = RUNS) -> None:
    """Every case idle, then beside the busy processes: the mean of ``rounds`` x ``runs``."""
    functions = cases()
    for load in ("idle", f"{BUSY_PROCESSES}busy"):
        times: dict[tuple[str, str], list[float]] = {key: [] for key in functions}
        for _ in range(rounds):
            with busy_processes() if load != "idle" else contextlib.nullcontext():
                for key, function in functions.items():
                    times[key] += run_times(function, runs)
        means = {key: statistics.mean(values) for key, values in times.items()}
        for case in dict.fromkeys(case for case, _ in functions):
            report(f"{case}_{load}", means[case, "ours"],
                   {who: mean for (name, who), mean in means.items()
                    if name == case and who != "ours"})


def main() -> None:
    print("case".ljust(44) + "   ours_s    peer_s   ratio  (means)")
    bench_under_load()


if __name__ == "__main__":
    main()
