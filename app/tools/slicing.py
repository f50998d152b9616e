"""Where a 2D tool acts: one slice of one orientation at one time step.

Tools work on planes in array order: the plane perpendicular to array axis ``axis``
(0 = z/axial, 1 = y/coronal, 2 = x/sagittal), rows and columns being the two remaining
axes in (Z, Y, X) order. The views convert screen points to plane points; the tools never
see screen coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gpu.backend import bounding_box
from ..model.segmentation import Segmentation
from ..model.write import MaskRegion


@dataclass(frozen=True)
class SlicePosition:
    axis: int  # 0, 1 or 2: the array axis the slice is perpendicular to
    index: int
    time_step: int = 0

    def __post_init__(self) -> None:
        if self.axis not in (0, 1, 2):
            raise ValueError(f"slice axis must be 0, 1 or 2, got {self.axis}")


def plane_of(volume_zyx: np.ndarray, position: SlicePosition) -> np.ndarray:
    """The slice as a 2D array (a view into the volume where NumPy allows)."""
    index = [slice(None)] * 3
    index[position.axis] = position.index
    return volume_zyx[tuple(index)]


def voxel_of(position: SlicePosition, pixel_rc: tuple[int, int]) -> tuple[int, int, int]:
    """The (z, y, x) voxel of plane pixel ``pixel_rc`` on the slice ``position``."""
    voxel = list(pixel_rc)
    voxel.insert(position.axis, position.index)
    return tuple(voxel)


def plane_shape(shape_zyx: tuple[int, int, int], axis: int) -> tuple[int, int]:
    return tuple(n for k, n in enumerate(shape_zyx) if k != axis)


def region_from_plane(mask: np.ndarray, position: SlicePosition,
                      offset_rc: tuple[int, int] = (0, 0)) -> MaskRegion | None:
    """A 3D write region for a 2D mask placed at ``offset_rc`` on the slice.

    The mask is cropped to its bounding box first, so undo stores only the drawn part.
    Returns None when the mask is empty.
    """
    box = bounding_box(mask)
    if box is None:
        return None
    rows, cols = box
    crop = mask[box]
    start = [offset_rc[0] + rows.start, offset_rc[1] + cols.start]
    start.insert(position.axis, position.index)
    return MaskRegion(np.expand_dims(crop, position.axis), tuple(start))


def label_plane(seg: Segmentation, group_index: int, position: SlicePosition) -> np.ndarray:
    array = seg.groups[group_index].array[seg.stored_time_index(position.time_step)]
    return plane_of(array, position)

