"""Plain label maps (any integer type, one group) from NIfTI, NRRD, MHA, GIPL and friends.

Label maps carry no names or colours: every value present becomes "Label N" with a
palette colour. An ITK-SNAP description file beside the label map is deliberately not
loaded here (read_itksnap_labels does that on request). Float label maps come from
resampling; integral floats are accepted, fractional ones are refused unless the caller
asks for explicit rounding.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..atomic import atomic_paths
from ..model.geometry import Geometry
from ..model.labels import Label, palette_color
from ..model.segmentation import Segmentation
from .decoded import Decoded, DecodedGroup
from .errors import format_error
from .paths import split_suffix
from .progress import Progress, report
from .sitk_arrays import to_sitk, write_sitk


def _integer_voxels(array: np.ndarray, path, round_floats: bool) -> np.ndarray:
    if array.dtype == bool:
        return array.astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer):
        return array
    if not np.issubdtype(array.dtype, np.floating):
        raise format_error(path, f"voxel type {array.dtype} cannot hold labels")
    if not np.isfinite(array).all():
        raise format_error(path, "label map holds NaN or infinite values")
    rounded = np.rint(array)
    if not round_floats and not np.array_equal(rounded, array):
        fractional = int(np.count_nonzero(rounded != array))
        raise format_error(
            path,
            f"float label map has {fractional} voxels with fractional values (resampled "
            "with interpolation?); to accept the nearest integers use File > Open "
            "segmentation, rounding values (or 'demarcate convert --round')",
        )
    if rounded.size and (rounded.min() < 0 or rounded.max() > 65535):
        raise format_error(path, "label values do not fit in 0..65535")
    return rounded.astype(np.uint16)


def decode_labelmap(
    array: np.ndarray, geometry: Geometry, path: str | os.PathLike, round_floats: bool = False
) -> Decoded:
    if array.ndim == 5:
        raise format_error(
            path,
            f"has {array.shape[-1]} components per voxel (RGB or vector); a label map needs one",
        )
    array = _integer_voxels(array, path, round_floats)
    values = np.unique(array)
    if values.size and (values[0] < 0 or values[-1] > 65535):
        raise format_error(path, f"label values {values[0]}..{values[-1]} do not fit in 0..65535")
    labels = [
        Label(int(v), f"Label {int(v)}", palette_color(i))
        for i, v in enumerate(v for v in values.tolist() if v != 0)
    ]
    return Decoded([DecodedGroup("Group 0", array, labels)], geometry, "labelmap")


def labelmap_paths(seg: Segmentation, path: str | os.PathLike) -> list[Path]:
    """``path`` for one group, else ``stem_group0.ext``, ``stem_group1.ext``, ..."""
    path = Path(path)
    if len(seg.groups) == 1:
        return [path]
    stem, suffix = split_suffix(path)
    return [path.with_name(f"{stem}_group{i}{suffix}") for i in range(len(seg.groups))]


def write_labelmaps(seg: Segmentation, path: str | os.PathLike,
                    progress: Progress | None = None) -> list[Path]:
    """One label map per group (uint8 when every value fits, else uint16).

    The set is replaced together: every file is written and checked as a temporary file
    before any of them is renamed, so a failure or a kill part-way leaves the old set
    (one group new and another old would be a segmentation that never existed).
    """
    targets = labelmap_paths(seg, path)
    with atomic_paths(targets) as temps:
        for index, (group, temp) in enumerate(zip(seg.groups, temps, strict=True)):
            report(progress, index / len(targets))
            largest = max(group.label_values(), default=0)
            array = group.array.astype(np.uint8 if largest <= 255 else np.uint16)
            write_sitk(to_sitk(array, seg.geometry), temp)
    report(progress, 1.0)
    return targets
