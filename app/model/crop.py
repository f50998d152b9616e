"""Autocrop: a segmentation (and its image) cut down to the box its labels occupy.

Manual segmentations have the extent of the whole image even when the labels fill a
small part of it; cropping to the labels' box saves memory and disk (MITK's Autocrop).
The box holds every labelled voxel of every group and every time step, so no label of
any time step loses a voxel, and the cropped grid keeps the voxels where they were in
the world: index 0 of the crop is index ``start`` of the original, so the origin moves
to ``origin + direction @ (spacing * start)`` and spacing and direction stay.
"""

from __future__ import annotations

import copy

import numpy as np

from ..gpu.backend import bounding_box
from .geometry import Geometry
from .image import ReferenceImage
from .segmentation import LabelGroup, Segmentation

Box = tuple[slice, slice, slice]


def labelled_box(segmentation: Segmentation) -> Box | None:
    """The smallest (z, y, x) box holding every nonzero voxel of every group at every
    time step; None when the segmentation has no labelled voxel."""
    boxes = [box[1:] for group in segmentation.groups
             if (box := bounding_box(group.array)) is not None]
    if not boxes:
        return None
    return tuple(slice(min(b[axis].start for b in boxes), max(b[axis].stop for b in boxes))
                 for axis in range(3))


def autocrop_box(segmentation: Segmentation, margin: int = 0) -> Box:
    """``labelled_box`` grown by ``margin`` voxels on every side, within the grid.

    Raises ValueError when there is nothing to crop to (no labelled voxel).
    """
    if margin < 0:
        raise ValueError(f"the margin must be 0 or more voxels, not {margin}")
    box = labelled_box(segmentation)
    if box is None:
        raise ValueError(f"{segmentation.name} has no labelled voxel: nothing to crop to")
    return tuple(slice(max(s.start - margin, 0), min(s.stop + margin, size))
                 for s, size in zip(box, segmentation.shape_zyx, strict=True))


def cropped_geometry(geometry: Geometry, start_zyx: tuple[int, int, int]) -> Geometry:
    """The geometry of a crop whose first voxel is voxel ``start_zyx`` of ``geometry``."""
    origin = geometry.index_to_world(np.asarray(start_zyx[::-1], dtype=float))
    return Geometry(geometry.spacing_xyz, tuple(origin), geometry.direction,
                    geometry.time_step_ms)


def _start(box: Box) -> tuple[int, int, int]:
    return tuple(s.start for s in box)


def crop_segmentation(segmentation: Segmentation, box: Box, name: str) -> Segmentation:
    """A new segmentation holding ``box`` of every group (all time steps) with copies of
    the labels, groups and lock state.

    The file header entries of the original (MITK's uid, Slicer's extent offset) are not
    copied: they describe the file it was read from, not this new object.
    """
    cropped = Segmentation(tuple(s.stop - s.start for s in box),
                           cropped_geometry(segmentation.geometry, _start(box)),
                           segmentation.time_steps, dynamic=segmentation.is_dynamic, name=name)
    cropped.groups = [
        LabelGroup(group.name, np.ascontiguousarray(group.array[(slice(None), *box)]),
                   [label.copy() for label in group.labels], copy.deepcopy(group.extra))
        for group in segmentation.groups]
    cropped.active_label_value = segmentation.active_label_value
    cropped.unlabeled_locked = segmentation.unlabeled_locked
    return cropped


def crop_image(image: ReferenceImage, box: Box, name: str) -> ReferenceImage:
    """``box`` of every time step of ``image``, placed where it was in the world."""
    return ReferenceImage(np.ascontiguousarray(image.array[(slice(None), *box)]),
                          cropped_geometry(image.geometry, _start(box)), name=name)


def grid_image(segmentation: Segmentation, name: str) -> ReferenceImage:
    """A blank image on a segmentation's grid: what a cropped segmentation is shown on
    when its image was not cropped (a segmentation always lies on an image's grid)."""
    return ReferenceImage(np.zeros((segmentation.time_steps, *segmentation.shape_zyx),
                                   np.uint8), segmentation.geometry, name=name)
