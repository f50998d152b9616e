"""Put a segmentation read from a file onto the grid of its reference image.

A label map on the same physical grid may still be stored with its axes flipped or
permuted (RAS vs LPS writers, DICOM slice order). Copying its array voxel by voxel would
mirror the segmentation, so the mapping between the two grids is worked out from their
geometry and applied as exact axis permutations and flips. A file that covers only a
box of the reference grid (Slicer crops to the segments' extent) is placed into it.
Anything else (other spacing, rotation, sub-voxel shift) is a different grid and refused.
"""

from __future__ import annotations

import os

import numpy as np

from ..model.geometry import Geometry
from .errors import format_error

_VOXEL_TOLERANCE = 0.05


def _index_to_world(geometry: Geometry) -> np.ndarray:
    return geometry.direction @ np.diag(geometry.spacing_xyz)


def fit_to_reference(
    arrays: list[np.ndarray],
    geometry: Geometry,
    reference: Geometry,
    reference_shape_zyx: tuple[int, int, int],
    path: str | os.PathLike,
) -> list[np.ndarray]:
    """Return ``arrays`` (each (T, Z, Y, X)) resampled exactly onto the reference grid.

    Raises FormatError naming both grids when the file's voxels do not coincide with
    reference voxels.
    """
    shape_zyx = tuple(arrays[0].shape[1:])
    if shape_zyx == tuple(reference_shape_zyx) and geometry.matches(reference):
        return arrays
    mapping = np.linalg.solve(_index_to_world(reference), _index_to_world(geometry))
    offset = np.linalg.solve(
        _index_to_world(reference), np.subtract(geometry.origin_xyz, reference.origin_xyz)
    )
    rounded = np.rint(mapping)
    size_xyz = np.array(shape_zyx[::-1])
    permutation = (
        np.all(np.abs(mapping - rounded) * size_xyz.max() <= _VOXEL_TOLERANCE)
        and np.all(np.abs(rounded).sum(axis=0) == 1)
        and np.all(np.abs(rounded).sum(axis=1) == 1)
        and np.all(np.abs(offset - np.rint(offset)) <= _VOXEL_TOLERANCE)
    )
    if not permutation:
        raise _mismatch(path, geometry, shape_zyx, reference, reference_shape_zyx)
    offset = np.rint(offset).astype(int)
    ref_size_xyz = np.array(reference_shape_zyx[::-1])
    # For each file axis j (x, y, z): the reference axis it runs along and its sign.
    target_axis = [int(np.flatnonzero(rounded[:, j])[0]) for j in range(3)]
    sign = [int(rounded[target_axis[j], j]) for j in range(3)]
    starts = [0, 0, 0]
    for j in range(3):
        i = target_axis[j]
        start = offset[i] if sign[j] > 0 else offset[i] - (size_xyz[j] - 1)
        if start < 0 or start + size_xyz[j] > ref_size_xyz[i]:
            raise _mismatch(path, geometry, shape_zyx, reference, reference_shape_zyx)
        starts[i] = int(start)
    # numpy axes: 0 is time, then z, y, x (xyz axis k is numpy axis 3 - k).
    order = [0, 0, 0, 0]
    for j in range(3):
        order[3 - target_axis[j]] = 3 - j
    flip_axes = tuple(3 - target_axis[j] for j in range(3) if sign[j] < 0)
    fitted = []
    for array in arrays:
        moved = np.transpose(array, order)
        if flip_axes:
            moved = np.flip(moved, axis=flip_axes)
        if moved.shape[1:] == tuple(reference_shape_zyx):
            fitted.append(np.ascontiguousarray(moved))
            continue
        placed = np.zeros((array.shape[0], *reference_shape_zyx), dtype=array.dtype)
        window = tuple(
            slice(starts[2 - axis], starts[2 - axis] + moved.shape[1 + axis]) for axis in range(3)
        )
        placed[(slice(None), *window)] = moved
        fitted.append(placed)
    return fitted


def _mismatch(
    path: str | os.PathLike,
    geometry: Geometry,
    shape_zyx: tuple,
    reference: Geometry,
    reference_shape_zyx: tuple,
) -> Exception:
    size = "x".join(str(v) for v in shape_zyx[::-1])
    ref_size = "x".join(str(v) for v in tuple(reference_shape_zyx)[::-1])
    return format_error(
        path,
        f"grid {size}, {geometry.describe()} does not match the reference image "
        f"grid {ref_size}, {reference.describe()}",
    )
