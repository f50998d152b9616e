"""Region growing from seeds within an intensity interval, 2D and 3D, and the 2D
post-processing of the region-growing tool.

The CPU path is a scanline flood fill compiled with numba. A region grown from a click
is usually a small part of the volume, so the work must be proportional to the region,
not the volume (labelling the thresholded volume costs a full pass or three); and for a
region that covers a fifth of a CT, filling whole x-runs at a time walks memory in
order instead of visiting voxels one by one through a queue. The reference path —
threshold, label connected components, keep the components holding a seed — is what
runs on CuPy (``cupyx.scipy.ndimage.label``) and what the tests compare against.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .backend import get_array_module, ndimage_module
from .threshold import integer_bounds, threshold

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
_RANK = {4: 1, 8: 2, 6: 1, 18: 2, 26: 3}


def structure(ndim: int, connectivity: int):
    """The ``scipy.ndimage`` structuring element of a 2D (4/8) or 3D (6/18/26) connectivity."""
    allowed = (4, 8) if ndim == 2 else (6, 18, 26)
    if connectivity not in allowed:
        raise ValueError(f"{ndim}D connectivity must be one of {allowed}, not {connectivity}")
    from scipy.ndimage import generate_binary_structure

    return generate_binary_structure(ndim, _RANK[connectivity])


@numba.njit(cache=True)
def _scanline_fill(image, lower, upper, seeds, rows, out):
    depth, height, width = image.shape
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
    footprint = structure(image.ndim, connectivity)
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1, image.ndim)
    xp = get_array_module(image)
    if xp is not np:
        return _grow_by_labelling(image, seeds, lower, upper, footprint)
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
    _scanline_fill(np.ascontiguousarray(volume), volume.dtype.type(lower),
                   volume.dtype.type(upper), seeds3[inside], rows, out)
    return out.reshape(image.shape)


def _grow_by_labelling(image, seeds: np.ndarray, lower: float, upper: float, footprint):
    """Reference path (and the CuPy one): threshold, label, keep the seeds' components."""
    xp = get_array_module(image)
    labels, _ = ndimage_module(xp).label(threshold(image, lower, upper),
                                         structure=xp.asarray(footprint))
    inside = np.all((seeds >= 0) & (seeds < image.shape), axis=1)
    hit = labels[tuple(xp.asarray(seeds[inside]).T)]
    hit = hit[hit > 0]
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
