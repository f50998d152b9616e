"""Read NRRD images and segmentations with Demarcate's own reader instead of SimpleITK.

SimpleITK trusted whatever length a NRRD payload had, could not read bzip2 or a time
axis without a space direction, and gave ITK's messages for what it refused. Reading
the header (nrrd_header), the axes and geometry (nrrd_geometry) and the payload
(nrrd_payload) here gives images and segmentations the same checks, and the same
(T, Z, Y, X[, C]) arrays and Geometry that SimpleITK gave for the files it read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..model.geometry import Geometry
from .layout import as_tzyx
from .nrrd_geometry import read_layout
from .nrrd_header import NrrdHeader, read_header
from .nrrd_payload import read_payload
from .progress import Progress


@dataclass
class NrrdVolume:
    array: np.ndarray  # (T, Z, Y, X), or (T, Z, Y, X, C) with a component axis
    geometry: Geometry
    header: NrrdHeader


def read_nrrd(path: str | os.PathLike, progress: Progress | None = None) -> NrrdVolume:
    """Read a .nrrd or .nhdr file; FormatError for anything that does not match its header.

    The layout is worked out before the payload is decoded, so a file Demarcate cannot
    show is refused without reading its data.
    """
    header = read_header(path)
    layout = read_layout(header)
    sizes = header.sizes()
    array = read_payload(header, progress).reshape(sizes[::-1])
    numpy_axis = [len(sizes) - 1 - axis for axis in range(len(sizes))]  # NRRD is x-fastest
    order = [numpy_axis[axis] for axis in layout.spatial[::-1]]
    if layout.time is not None:
        order.insert(0, numpy_axis[layout.time])
    if layout.component is not None:
        order.append(numpy_axis[layout.component])
    array = as_tzyx(array.transpose(order), len(layout.spatial), layout.time is not None)
    return NrrdVolume(np.ascontiguousarray(array), layout.geometry, header)
