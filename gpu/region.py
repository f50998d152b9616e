"""Region growing from seeds within an intensity interval, 2D and 3D, and the 2D
post-processing of the region-growing tool.

The CPU path starts as a scanline flood fill compiled with numba. A region grown from a
click is usually a small part of the volume, so the work must be proportional to the
region, not the volume (labelling the thresholded volume costs a full pass or three).
But a flood fill visits a large, ragged region run by run through a stack (~80 ns per
voxel), while threshold + ``cc3d`` labelling costs ~7 ns per voxel of the *volume*. So
the fill gives up once the region passes 1/32 of the volume — by then it has spent less
than a third of what labelling costs — and the labelling path finishes the job: the
threshold, the connected components, the components holding a seed. That is also the
reference the tests compare against and what runs on CuPy
(``cupyx.scipy.ndimage.label``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .backend import get_array_module, ndimage_module
from .labelling import check_connectivity, label_components, structure
from .threshold import integer_bounds, threshold

# check_connectivity and structure are imported from here by callers of region growing.
__all__ = ["FILL_BUDGET_SHARE", "check_connectivity", "majority_2d", "region_grow",
           "structure"]

#: Neighbour rows of a scanline fill: (dz, dy, reach). A run on row (z, y) spreads to
#: the runs on row (z+dz, y+dy) that overlap it widened by ``reach`` in x (1 when the
#: connectivity includes diagonal steps along x).
_ROWS = {
    4: [(0, -1, 0), (0, 1, 0)],
    8: [(0, -1, 1), (0, 1, 1)],
    6: [(0, -1, 0), (0, 1, 0), (-1, 0, 0), (1, 0, 0)],
    18: [(0, -1, 1), (0, 1, 1), (-1, 0, 1), (1, 0, 1),
         (-1, -1, 0), (-1, 1, 0), (1, -1, 0), (1, 1, 0)],
    26: [(dz, dy, 1) for dz in (-1, 0, 1) for dy in (-1, 0, 1) if (dz, dy) != (0, 0)],
}


#: The flood fill hands over to labelling when the region passes this share of the volume.
FILL_BUDGET_SHARE = 1 / 32
#: 3D connectivity of a (1, height, width) view that equals a 2D connectivity.
_AS_3D = {4: 6, 8: 18, 6: 6, 18: 18, 26: 26}


@numba.njit(cache=True)
def _scanline_fill(image, lower, upper, seeds, rows, out, budget):
    """Flood fill into ``out``; returns False (``out`` partly filled) once more than
    ``budget`` voxels are in the region."""
    depth, height, width = image.shape
    filled = 0
    stack = np.empty(4096, np.int64)
    top = 0
    for s in range(seeds.shape[0]):
        if top == stack.size:
            stack = np.concatenate((stack, np.empty_like(stack)))
        stack[top] = (seeds[s, 0] * height + seeds[s, 1]) * width + seeds[s, 2]
        top += 1
    while top > 0:
        top -= 1
        row, x = divmod(stack[top], width)
        z, y = divmod(row, height)
        value = image[z, y, x]
        if out[z, y, x] or value < lower or value > upper:
            continue
        start = x
        while start > 0 and not out[z, y, start - 1] and lower <= image[z, y, start - 1] <= upper:
            start -= 1
        stop = x
        while (stop < width - 1 and not out[z, y, stop + 1]
               and lower <= image[z, y, stop + 1] <= upper):
            stop += 1
        out[z, y, start:stop + 1] = True
        filled += stop - start + 1
        if filled > budget:
            return False
        for r in range(rows.shape[0]):
            nz, ny, reach = z + rows[r, 0], y + rows[r, 1], rows[r, 2]
            if nz < 0 or nz >= depth or ny < 0 or ny >= height:
                continue
            i = max(0, start - reach)
            last = min(width - 1, stop + reach)
            while i <= last:
                if not out[nz, ny, i] and lower <= image[nz, ny, i] <= upper:
                    if top == stack.size:
                        stack = np.concatenate((stack, np.empty_like(stack)))
                    stack[top] = (nz * height + ny) * width + i
                    top += 1
                    while i <= last and not out[nz, ny, i] and lower <= image[nz, ny, i] <= upper:
                        i += 1
                i += 1
    return True


def region_grow(image, seeds, lower: float, upper: float, connectivity: int | None = None):
    """Boolean mask of the voxels connected to a seed through voxels in [lower, upper].

    ``image`` is 2D (y, x) or 3D (z, y, x); ``seeds`` is one index or a sequence of
    indices in the same axis order. Connectivity is 4 or 8 in 2D and 6, 18 or 26 in 3D
    (default: 4 / 6, faces only). A seed whose own value is outside the interval grows
    nothing, as in SimpleITK's ``ConnectedThreshold``; the result equals SimpleITK's and
    ``skimage.segmentation.flood`` with the same tolerance interval.

    >>> region_grow(np.array([[1, 1, 9, 1]]), (0, 0), 0, 2).tolist()
    [[True, True, False, False]]
    """
    connectivity = connectivity or (4 if image.ndim == 2 else 6)
    check_connectivity(image.ndim, connectivity)
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1, image.ndim)
    xp = get_array_module(image)
    if xp is not np:
        return _grow_by_labelling(image, seeds, lower, upper, connectivity)
    if image.dtype.kind in "iu":
        bounds = integer_bounds(image.dtype, lower, upper)
        if bounds is None:
            return np.zeros(image.shape, dtype=bool)
        lower, upper = bounds
    elif image.dtype == bool:
        image = image.view(np.uint8)
        lower, upper = math.ceil(lower), math.floor(upper)
    volume = image.reshape((1,) * (3 - image.ndim) + image.shape)
    seeds3 = np.concatenate(
        (np.zeros((len(seeds), 3 - image.ndim), np.int64), seeds), axis=1)
    out = np.zeros(volume.shape, dtype=bool)
    inside = np.all((seeds3 >= 0) & (seeds3 < volume.shape), axis=1)
    rows = np.array(_ROWS[connectivity], dtype=np.int64)
    volume = np.ascontiguousarray(volume)
    low, high = volume.dtype.type(lower), volume.dtype.type(upper)
    if _scanline_fill(volume, low, high, seeds3[inside], rows, out,
                      int(volume.size * FILL_BUDGET_SHARE)):
        return out.reshape(image.shape)
    return _grow_by_labelling(volume, seeds3, low, high, _AS_3D[connectivity]
                              ).reshape(image.shape)


def _grow_by_labelling(image, seeds: np.ndarray, lower: float, upper: float,
                       connectivity: int):
    """Threshold, label, keep the seeds' components: the reference, the CuPy path and the
    CPU path for large regions."""
    xp = get_array_module(image)
    labels, _ = label_components(threshold(image, lower, upper), connectivity)
    inside = np.all((seeds >= 0) & (seeds < image.shape), axis=1)
    hit = xp.unique(labels[tuple(xp.asarray(seeds[inside]).T)])
    hit = hit[hit > 0]
    if hit.size == 1:
        return labels == hit[0]
    return xp.isin(labels, hit) if hit.size else xp.zeros(image.shape, dtype=bool)


def majority_2d(mask, size: int = 5):
    """Each pixel becomes what most of the ``size`` x ``size`` square around it is.

    The region-growing tool smooths its ragged 4-connected result with a 5x5 majority
    (13 of 25). Outside the image counts as background, so a region cannot grow past
    the border.
    """
    xp = get_array_module(mask)
    counts = ndimage_module(xp).correlate(mask.astype(xp.uint8), xp.ones((size, size), xp.uint8),
                                          mode="constant", cval=0)
    return counts > (size * size) // 2
