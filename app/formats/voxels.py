"""Voxels and geometry of one image file, whatever its format.

NRRD files go through Demarcate's own reader; every other file through SimpleITK, once
its declared size has been compared with the available memory and its data length with
its header (SimpleITK does neither). Images and segmentations both read their voxels
here, so both get the same checks.
"""

from __future__ import annotations

import os

import numpy as np

from ..model.geometry import Geometry
from .nrrd_header import is_nrrd
from .nrrd_reader import read_nrrd
from .payload_length import check_data_length
from .progress import Progress, part
from .sitk_arrays import arrays_of, geometry_of, read_sitk
from .size_check import check_declared_size


def read_voxels(path: str | os.PathLike,
                progress: Progress | None = None) -> tuple[np.ndarray, Geometry]:
    """(T, Z, Y, X[, C]) voxels and the geometry of a file (not a DICOM folder)."""
    if is_nrrd(path):
        volume = read_nrrd(path, progress)
        return volume.array, volume.geometry
    check_declared_size(path)
    check_data_length(path, part(progress, 0.0, 0.9))
    image = read_sitk(path)
    return arrays_of(image, path), geometry_of(image, path)
