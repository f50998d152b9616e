"""Signed Euclidean distance maps (2D and 3D, spacing-aware) and shape-based
interpolation between two masks.

The CPU path is the exact separable algorithm of Felzenszwalb & Huttenlocher (lower
envelope of parabolas, one pass per axis) compiled with numba and parallel over lines:
``scipy.ndimage.distance_transform_edt`` is single-threaded and needs two calls for a
signed map (6.4 s for 256^3), SimpleITK's Maurer filter is faster but also computes the
inside distances over the whole volume. Here the inside distances are computed only on
the mask's bounding box plus one voxel, which holds the nearest background voxel of every
inside voxel. The reference (and CuPy) path is ``distance_transform_edt`` twice.
Maps under :data:`PARALLEL_MIN_VOXELS` (a 256x256 slice) run on the calling thread (see
``demarcate.gpu``).
"""

from __future__ import annotations

import numba
import numpy as np

from .backend import bounding_box, get_array_module, ndimage_module


@numba.njit(cache=True, nogil=True)
def _envelope_lines(squared, axis, step, a, first, stop):
    """In place along ``axis`` of (z, y, x), for lines ``first..stop-1`` of slab ``a``:
    d[i] = min_j squared[j] + (step*(i-j))**2.

    A slab is a z plane (a y plane for the z axis); its lines run along ``axis``. They are
    copied to a scratch block first, so they are contiguous whatever the axis: reading a
    volume along z line by line would miss the cache on every element. The kernels take
    the (z, y, x) array itself, not NumPy views along each axis, so they compile once:
    numba compiles once per memory layout, and those views are C-, F- or un-ordered.
    """
    if stop <= first:
        return
    if axis == 2:
        block = squared[a, first:stop, :].astype(np.float64)
    elif axis == 1:
        block = np.ascontiguousarray(squared[a, :, first:stop].T).astype(np.float64)
    else:
        block = np.ascontiguousarray(squared[:, a, first:stop].T).astype(np.float64)
    inner, n = block.shape
    result = np.empty((inner, n), squared.dtype)
    sites = np.empty(n, np.int64)
    starts = np.empty(n + 1, np.float64)
    for b in range(inner):
        line = block[b]
        count = 0
        for q in range(n):
            fq = line[q]
            if fq == np.inf:
                continue
            xq = step * q
            while count > 0:
                v = sites[count - 1]
                xv = step * v
                cut = ((fq + xq * xq) - (line[v] + xv * xv)) / (2.0 * (xq - xv))
                if cut > starts[count - 1]:
                    starts[count] = cut
                    break
                count -= 1
            if count == 0:
                starts[0] = -np.inf
            sites[count] = q
            count += 1
        k = 0
        for i in range(n if count else 0):
            x = step * i
            while k + 1 < count and starts[k + 1] < x:
                k += 1
            offset = x - step * sites[k]
            result[b, i] = line[sites[k]] + offset * offset
        if count == 0:
            result[b] = np.inf
    if axis == 2:
        squared[a, first:stop, :] = result
    elif axis == 1:
        squared[a, :, first:stop] = result.T
    else:
        squared[:, a, first:stop] = result.T


@numba.njit(cache=True, nogil=True)
def _slabs_and_lines(shape, axis):
    """How many slabs and lines per slab :func:`_envelope_lines` sees along ``axis``."""
    return shape[1] if axis == 0 else shape[0], shape[1] if axis == 2 else shape[2]


@numba.njit(cache=True, nogil=True)
def _envelope_pass(squared, axis, step):
    """One pass of :func:`_envelope_lines` along ``axis``, on the calling thread."""
    slabs, lines = _slabs_and_lines(squared.shape, axis)
    for a in range(slabs):
        _envelope_lines(squared, axis, step, a, 0, lines)


@numba.njit(parallel=True, cache=True)
def _envelope_pass_parallel(squared, axis, step, threads):
    """:func:`_envelope_pass` on ``threads`` threads. When there are fewer slabs than
    threads (a 2D slice has one), each slab is cut into runs of lines too, so every
    thread is busy."""
    slabs, lines = _slabs_and_lines(squared.shape, axis)
    chunks = max(1, -(-threads // slabs))
    width = (lines + chunks - 1) // chunks
    for task in numba.prange(slabs * chunks):
        a, first = task // chunks, (task % chunks) * width
        _envelope_lines(squared, axis, step, a, first, min(lines, first + width))


#: Below this many voxels the passes run on the calling thread: waking the worker
#: threads costs more than they save, and on a loaded machine a parallel pass waits
#: milliseconds for a worker to be scheduled (see ``demarcate.gpu``).
PARALLEL_MIN_VOXELS = 1 << 16


def _squared_distance_to(features: np.ndarray, spacing_zyx) -> np.ndarray:
    """Squared Euclidean distance (mm^2, float32) from each voxel to the nearest True one."""
    squared = np.where(features, np.float32(0), np.float32(np.inf))
    threads = numba.get_num_threads() if squared.size >= PARALLEL_MIN_VOXELS else 1
    for axis in (2, 1, 0):
        if squared.shape[axis] > 1:
            step = float(spacing_zyx[axis])
            if threads == 1:
                _envelope_pass(squared, axis, step)
            else:
                _envelope_pass_parallel(squared, axis, step, threads)
    return squared


def _contour(mask):
    """Inside voxels with any (face, edge or corner) neighbour outside, as ITK's contour;
    beyond the array border counts as inside, so a mask touching the border is not cut
    open there.

    The erosion by the full 3x3(x3) box is separable: one AND with each neighbour along
    each axis in turn, which is ~8x faster than ``binary_erosion`` on a 2D slice's box
    and works the same on CuPy.
    """
    eroded = mask
    for axis in range(mask.ndim):
        lead = (slice(None),) * axis
        head, tail = (*lead, slice(1, None)), (*lead, slice(None, -1))
        source, eroded = eroded, eroded.copy()
        eroded[head] &= source[tail]
        eroded[tail] &= source[head]
    return mask & ~eroded


def signed_distance(mask, spacing=None):
    """Signed Euclidean distance map of a 2D or 3D boolean mask, in mm, inside negative.

    Every voxel holds the distance to the nearest *contour* voxel (an inside voxel with a
    26-neighbour outside), negated inside; contour voxels are 0. This is exactly
    SimpleITK's ``SignedMaurerDistanceMap(mask, insideIsPositive=False,
    useImageSpacing=True)``. ``spacing`` is (y, x) or (z, y, x) in mm (default 1). A mask
    with no contour (empty, or full) is +inf (empty) or -inf (full) everywhere. Returns
    float64 (CuPy: the backend's ``distance_transform_edt`` type).
    """
    spacing = (1.0,) * mask.ndim if spacing is None else tuple(map(float, spacing))
    xp = get_array_module(mask)
    mask = mask.astype(bool, copy=False)
    box = bounding_box(mask)
    contour = xp.zeros(mask.shape, dtype=bool)
    if box is not None:
        padded = tuple(slice(max(0, s.start - 1), s.stop + 1) for s in box)
        contour[padded] = _contour(mask[padded])
    if not contour.any():
        return xp.full(mask.shape, -xp.inf if mask.any() else xp.inf)
    if xp is not np:
        distance = ndimage_module(xp).distance_transform_edt(~contour, sampling=spacing)
    else:
        volume = contour[None] if contour.ndim == 2 else contour
        distance = np.sqrt(_squared_distance_to(volume, (1.0,) * (3 - mask.ndim) + spacing))
        distance = distance.reshape(mask.shape)
    return xp.where(mask, -distance, distance)


def edge_distance(mask, spacing=None):
    """Signed distance of a 2D or 3D boolean mask to its pixel-edge boundary, in mm,
    inside negative: the pixel-centre convention of shape-based interpolation.

    The boundary lies half-way between an inside and an outside pixel, so every pixel
    holds the distance to the nearest pixel of the other kind less half of the finest
    spacing. :func:`signed_distance` (ITK's convention) puts the inside boundary pixels at
    0, which shifts the zero level half a pixel inward and makes interpolated shapes
    1-5 % too small. Empty: +inf everywhere; full: -inf everywhere.
    """
    spacing = (1.0,) * mask.ndim if spacing is None else tuple(map(float, spacing))
    xp = get_array_module(mask)
    mask = mask.astype(bool, copy=False)
    if not mask.any() or mask.all():
        return xp.full(mask.shape, -xp.inf if mask.any() else xp.inf)
    half = 0.5 * min(spacing)
    if xp is not np:
        edt = ndimage_module(xp).distance_transform_edt
        to_inside, to_outside = edt(~mask, sampling=spacing), edt(mask, sampling=spacing)
    else:
        volume = mask[None] if mask.ndim == 2 else mask
        full_spacing = (1.0,) * (3 - mask.ndim) + spacing
        to_inside, to_outside = (np.sqrt(_squared_distance_to(features, full_spacing))
                                 .reshape(mask.shape) for features in (volume, ~volume))
    return xp.where(mask, half - to_outside, to_inside - half)


def interpolate_series(lower, upper, ratios, spacing=None) -> list:
    """Shape-based interpolation: the masks at each of ``ratios`` (0..1) of the way
    from ``lower`` to ``upper``, from one pair of distance maps.

    A pixel is inside where ``(1 - ratio) * d_lower + ratio * d_upper <= 0`` with the
    :func:`edge_distance` maps of the two masks, so ratio 0 gives ``lower``, 1 gives
    ``upper``, and shapes in between morph smoothly. Both masks must hold at least one
    pixel: the tool interpolates only between segmented slices.

    The maps are computed on the union of the masks' bounding boxes plus one pixel: the
    result lies inside that box (outside it both distances are positive), and the margin
    ring is outside both masks, so it holds a nearest outside pixel of every inside one
    (clamping a point onto the box brings it no farther). The answer is that of the whole
    slice at a fraction of the cost when the shapes are small against the slice.
    """
    lower_box, upper_box = bounding_box(lower), bounding_box(upper)
    if lower_box is None or upper_box is None:
        raise ValueError("interpolation needs two non-empty masks")
    box = tuple(slice(max(0, min(a.start, b.start) - 1), min(n, max(a.stop, b.stop) + 1))
                for a, b, n in zip(lower_box, upper_box, lower.shape, strict=True))
    d_lower, d_upper = edge_distance(lower[box], spacing), edge_distance(upper[box], spacing)
    xp = get_array_module(lower)
    results = []
    for ratio in ratios:
        result = xp.zeros(lower.shape, dtype=bool)
        result[box] = d_lower * (1.0 - ratio) + d_upper * ratio <= 0
        results.append(result)
    return results


def interpolate_masks(lower, upper, ratio: float, spacing=None):
    """The mask at ``ratio`` of the way from ``lower`` to ``upper`` (see
    :func:`interpolate_series`)."""
    return interpolate_series(lower, upper, (ratio,), spacing)[0]
