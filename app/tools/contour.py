"""Add and Subtract: a closed contour drawn with the mouse; its inside is added to or
removed from the active label (Ctrl swaps the two, as in MITK)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from skimage.draw import polygon as polygon_pixels

from ..model.document import SegmentationDocument
from .slicing import SlicePosition, plane_shape, region_from_plane


def polygon_mask(points_rc: Sequence[tuple[float, float]],
                 shape: tuple[int, int]) -> np.ndarray:
    """Pixels inside the closed polygon (and on its outline), clipped to ``shape``."""
    points = np.asarray(points_rc, dtype=float)
    mask = np.zeros(shape, dtype=bool)
    if len(points) == 0:
        return mask
    rows, cols = polygon_pixels(points[:, 0], points[:, 1], shape)
    mask[rows, cols] = True
    # The outline itself belongs to the drawn shape even where the polygon is thin.
    outline = np.round(points).astype(int)
    inside = ((outline >= 0) & (outline < np.array(shape))).all(axis=1)
    mask[outline[inside, 0], outline[inside, 1]] = True
    return mask


def apply_contour(document: SegmentationDocument, position: SlicePosition,
                  points_rc: Sequence[tuple[float, float]], subtract: bool = False) -> int:
    """Add the contour's inside to the active label, or subtract it (one undo step)."""
    shape = plane_shape(document.segmentation.shape_zyx, position.axis)
    region = region_from_plane(polygon_mask(points_rc, shape), position)
    if region is None:
        return 0
    if subtract:
        return document.erase(region, position.time_step, description="Subtract")
    return document.write(region, position.time_step, description="Add")
