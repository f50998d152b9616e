"""Morphology the tools use (fill holes, closing, 3x3x3 median, Gaussian smoothing) and
surface extraction for polygon models.

Everything works on the mask's bounding box: a label is usually small next to its
volume, and holes, closings and surfaces cannot reach beyond the box (plus the
structuring element's radius), so cropping first turns volume-sized work into
label-sized work.
"""

from __future__ import annotations

import numpy as np

from .backend import bounding_box, get_array_module, ndimage_module, to_host
from .labelling import label_components


def _grown_box(box: tuple[slice, ...], shape: tuple[int, ...], margin: int) -> tuple[slice, ...]:
    return tuple(slice(max(0, s.start - margin), min(n, s.stop + margin))
                 for s, n in zip(box, shape, strict=True))


def fill_holes(mask):
    """``mask`` with every background region that does not reach the array border filled.

    Background connectivity is faces only (4 in 2D, 6 in 3D), as
    ``scipy.ndimage.binary_fill_holes``, whose result this equals. Only the mask's
    bounding box is searched: background on the box's faces either touches the array
    border or continues outside the box, so it is never a hole.
    """
    xp = get_array_module(mask)
    mask = mask.astype(bool, copy=False)
    box = bounding_box(mask)
    if box is None:
        return mask.copy()
    background, count = label_components(~mask[box])
    faces = xp.concatenate([
        xp.moveaxis(background, axis, 0)[side].ravel()
        for axis in range(mask.ndim) for side in (0, -1)])
    outside = xp.zeros(count + 1, dtype=bool)
    outside[faces] = True
    outside[0] = True
    result = mask.copy()
    result[box] = ~outside[background] | mask[box]
    return result


def closing(mask, radius: int = 1):
    """Binary closing (dilate, then erode) with a ball of ``radius`` voxels.

    Unlike ``scipy.ndimage.binary_closing`` on the raw array, the mask is padded before
    the erosion, so a label touching the array border is not eaten at the border.
    """
    xp = get_array_module(mask)
    ndimage = ndimage_module(xp)
    mask = mask.astype(bool, copy=False)
    box = bounding_box(mask)
    if box is None:
        return mask.copy()
    grid = np.indices((2 * radius + 1,) * mask.ndim) - radius
    ball = xp.asarray((grid**2).sum(axis=0) <= radius * radius)
    crop = _grown_box(box, mask.shape, radius)
    padded = xp.pad(mask[crop], 2 * radius)
    closed = ndimage.binary_erosion(ndimage.binary_dilation(padded, ball), ball)
    result = mask.copy()
    result[crop] = closed[(slice(2 * radius, -2 * radius),) * mask.ndim]
    return result


def median3(volume):
    """3x3x3 (3x3 in 2D) median with mirrored borders, as ``scipy.ndimage.median_filter``.

    For a boolean mask the median is the majority (14 of 27), which a box sum computes
    an order of magnitude faster than a sorting median.
    """
    xp = get_array_module(volume)
    ndimage = ndimage_module(xp)
    if volume.dtype != bool:
        return ndimage.median_filter(volume, size=3, mode="reflect")
    counts = ndimage.correlate(volume.astype(xp.uint8), xp.ones((3,) * volume.ndim, xp.uint8),
                               mode="reflect")
    return counts > (3**volume.ndim) // 2


def gaussian_smooth(volume, sigma_mm: float, spacing_zyx=None):
    """Gaussian smoothing with a standard deviation in mm (``float32`` result).

    The smoothed polygon model uses sigma = sqrt(max spacing); per-axis sigma in voxels
    is ``sigma_mm / spacing``, so anisotropic volumes are smoothed isotropically in mm.
    """
    xp = get_array_module(volume)
    spacing_zyx = (1.0,) * volume.ndim if spacing_zyx is None else spacing_zyx
    sigma_vox = [sigma_mm / s for s in spacing_zyx]
    return ndimage_module(xp).gaussian_filter(volume.astype(xp.float32), sigma_vox)


def surface_mesh(field, level: float = 0.5, spacing_zyx=(1.0, 1.0, 1.0)
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closed triangle mesh of ``field >= level`` (a mask or a smoothed mask): vertices
    (z, y, x in mm from the array origin), faces, and vertex normals, as host arrays.

    Marching cubes (scikit-image) runs on the host on the region above ``level`` only,
    padded by one voxel of "outside" so objects touching the array border are closed;
    a GPU field is cropped on the device and only the crop crosses the bus. The pad
    mirrors the field's maximum about ``level``, so a mask's surface lies half a voxel
    beyond the border voxels, as it does everywhere else. Degenerate (zero-area)
    triangles are left out: they have no normal, which mesh files and shading need. An
    empty field gives empty arrays.
    """
    box = bounding_box(field >= level)
    if box is None:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros((0, 3))
    from skimage.measure import marching_cubes

    crop = _grown_box(box, field.shape, 1)
    values = to_host(field[crop]).astype(np.float32)
    outside = np.float32(min(float(values.min()), 2.0 * level - float(values.max())))
    values = np.pad(values, 1, constant_values=outside)
    verts, faces, normals, _ = marching_cubes(values, level, spacing=tuple(spacing_zyx),
                                              allow_degenerate=False)
    origin = np.array([s.start - 1 for s in crop]) * np.asarray(spacing_zyx)
    return verts + origin, faces, normals
