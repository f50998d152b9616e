"""Add and Subtract: a closed contour drawn with the mouse; its inside is added to or
removed from the active label (Ctrl swaps the two, as in MITK)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from skimage.draw import polygon as polygon_pixels

from ..model.document import SegmentationDocument
from .base import Feedback, PointerEvent, Tool, ToolContext, ToolInfo
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


class ContourTool(Tool):
    """Press, drag around the shape, release: the drawn outline is applied on release."""

    subtracts: ClassVar[bool] = False

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._position: SlicePosition | None = None
        self._points: list[tuple[float, float]] = []
        self._subtract = self.subtracts

    def press(self, context: ToolContext, event: PointerEvent) -> int:
        self._position, self._points = event.position, [event.point_rc]
        self._subtract = self.subtracts != event.ctrl
        return 0

    def drag(self, context: ToolContext, event: PointerEvent) -> int:
        if self._points:
            self._points.append(event.point_rc)
        return 0

    def release(self, context: ToolContext) -> int:
        changed = 0
        if len(self._points) >= 3:
            changed = apply_contour(context.document, self._position, self._points,
                                    subtract=self._subtract)
        self.cancel()
        return changed

    def cancel(self) -> None:
        self._position, self._points = None, []

    @property
    def busy(self) -> bool:
        return bool(self._points)

    def feedback(self) -> Feedback:
        if not self._points:
            return Feedback()
        return Feedback(axis=self._position.axis, contour=list(self._points))


class AddTool(ContourTool):
    info = ToolInfo("add", "A", "Add: draw a closed contour; its inside joins the active "
                    "label", inverts_with_ctrl=True)


class SubtractTool(ContourTool):
    info = ToolInfo("subtract", "S", "Subtract: draw a contour; its inside leaves the "
                    "active label", inverts_with_ctrl=True)
    subtracts = True
