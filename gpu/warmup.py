"""Compile (or load from numba's cache) the kernels of the interactive tools before the
first click.

numba compiles a kernel at its first call, once per combination of argument types
(dtype, dimensions, memory layout); ``cache=True`` keeps the machine code on disk for
the next process, but on a fresh install the cache is empty and the first Fill or
region growing compiled for seconds on the UI thread. :func:`warm_up` makes the tools'
calls on tiny inputs, with the types the tools pass, so the app can run it in a
background thread at start; with a filled cache it only loads the kernels.

Types: region growing 2D passes a float32 image plane, Fill / Erase / Close a uint16
label plane, and both pick a component of a bool mask; interpolation takes distance
maps of bool masks. The 3D kernels run on the volume's own type; int16 (CT) is warmed
up here, other image types compile at their first use. A kernel with a calling-thread
and a parallel version (``PARALLEL_MIN_VOXELS``) is called on both sides of the
threshold. Functions without numba kernels (``majority_2d``, ``fill_holes``)
are called too, as the tools chain them: that loads SciPy's and cc3d's modules.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable

import numpy as np

from . import distance, threshold
from .components import component_at
from .distance import interpolate_masks, signed_distance
from .growcut import growcut, growcut_coarse
from .label_stats import label_moments
from .morphology import fill_holes
from .otsu import otsu_regions, otsu_thresholds
from .region import majority_2d, region_grow

#: What the app stores labels in (``demarcate.model``), and a CT volume's type.
LABEL_DTYPE = np.uint16
VOLUME_DTYPE = np.int16


def _block(shape: tuple[int, ...], dtype, inside) -> np.ndarray:
    """Zeros with ``inside`` in the middle half along every axis."""
    array = np.zeros(shape, dtype)
    array[tuple(slice(n // 4, n - n // 4) for n in shape)] = inside
    return array


# Region growing compiles its flood fill for the image's type at any click; a region
# past the fill's budget also compiles the labelling path's threshold, so every call
# below grows a large region.


def _region_growing_2d() -> None:
    """The tool's chain: grow on a float32 plane, smooth, pick the seed's component."""
    plane = _block((32, 32), np.float32, 100.0)
    region = region_grow(plane, (16, 16), -10.0, 110.0, connectivity=4)
    component_at(fill_holes(majority_2d(region, size=5)), (16, 16), connectivity=4)


def _label_plane_tools() -> None:
    """Fill / Erase / Close: the component under a click on a label plane (background)."""
    labels = _block((32, 32), LABEL_DTYPE, 3)
    fill_holes(component_at(labels, (0, 0), connectivity=4))


def _region_growing_3d() -> None:
    region_grow(_block((16, 16, 16), VOLUME_DTYPE, 500), (8, 8, 8), -100, 600)


def _distance_maps() -> None:
    """A 2D map and interpolation on the calling thread; a 3D map at the parallel size
    (the same kernels as a full 512x512 slice: both are (z, y, x) float32 passes)."""
    plane = _block((16, 16), bool, True)
    signed_distance(plane, (0.7, 0.7))
    interpolate_masks(plane, np.roll(plane, 2, axis=1), 0.5, (0.7, 0.7))
    side = math.ceil(distance.PARALLEL_MIN_VOXELS ** (1 / 3))
    signed_distance(_block((side,) * 3, bool, True), (2.0, 0.7, 0.7))


def _volume_passes() -> None:
    """Threshold, histogram and Otsu of an int16 volume and the distinct values of a
    uint16 one (GrowCut's seeds), tiny and at the parallel size."""
    for depth in (1, -(-threshold.PARALLEL_MIN_VOXELS // 4096)):
        volume = _block((depth, 64, 64), VOLUME_DTYPE, 500)
        threshold.threshold(volume, 100, 700)
        otsu_regions(volume, otsu_thresholds(volume, 3))  # the histogram, too
        threshold.value_range(volume)  # GrowCut's intensity range
        threshold.distinct_values(volume.view(LABEL_DTYPE))


def _growcut() -> None:
    """On the whole volume and on the seeds' box (a view of another memory layout), in
    two slabs (so the cut between them is relaxed), then a re-run after a stroke."""
    image = _block((32, 8, 8), VOLUME_DTYPE, 500)
    for margin in (None, 1):
        seeds = np.zeros(image.shape, LABEL_DTYPE)
        seeds[16, 4, 4], seeds[8, 2, 2] = 1, 2
        result = growcut(image, seeds, margin=margin, slabs=2)
        seeds[12, 3, 3] = 2
        growcut(image, seeds, margin=margin, previous=result, slabs=2)
    for margin in (None, 1):  # the GrowCut tool's first, coarse preview (box: a view)
        growcut_coarse(image, seeds, margin=margin, factor=2)


def _label_statistics() -> None:
    """The statistics table's one-pass per-label sums (the whole volume, and a box)."""
    image = _block((32, 8, 8), VOLUME_DTYPE, 500)
    labels = (image > 0).astype(LABEL_DTYPE)
    label_moments(labels, image, [1])
    label_moments(labels[2:30, 1:7, 1:7], image[2:30, 1:7, 1:7], [1])


# The 2D tools' kernels first: a click during the warm-up finds them ready sooner.
_STEPS = (_region_growing_2d, _label_plane_tools, _distance_maps, _region_growing_3d,
          _volume_passes, _growcut, _label_statistics)


def warm_up(progress: Callable[[float], None] | None = None) -> None:
    """Run every kernel the interactive tools use once, on small inputs (at most the
    few million voxels that reach the parallel versions).

    ``progress(fraction)`` is called after each group of kernels, ending with 1.0; an
    exception it raises (a cancelled job) stops the warm-up there.
    """
    for done, step in enumerate(_STEPS, start=1):
        step()
        if progress is not None:
            progress(done / len(_STEPS))


def warm_up_beside_a_child(progress: Callable[[float], None] | None = None) -> None:
    """The warm-up with the compiling done by a process of its own.

    numba's compiler holds the GIL for much of its work, so compiling in the app's
    process makes its window stutter for the ~20 s of a fresh install. A child process
    compiles each group of kernels on the other core and says when it has cached one;
    this process then runs the same group, which only loads the cached machine code. So
    the 2D tools' kernels (the first groups) are ready after a few seconds, long before
    the whole warm-up ends. If the child fails, the groups it did not report are
    compiled here. An exception from ``progress`` (a cancelled job) stops the child.
    """
    child = subprocess.Popen([sys.executable, "-m", __name__], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    done = 0
    try:
        for _line in child.stdout:
            _STEPS[done]()
            done += 1
            if progress is not None:
                progress(done / len(_STEPS))
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    for step in _STEPS[done:]:
        step()
        done += 1
        if progress is not None:
            progress(done / len(_STEPS))


if __name__ == "__main__":
    warm_up(lambda fraction: print(f"{fraction:.4f}", flush=True))
