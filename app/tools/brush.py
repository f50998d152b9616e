"""Paint and Wipe: a circular brush dragged along the mouse path.

Mouse events arrive far apart during a fast stroke; each segment between two events is
filled as a capsule (the disk swept along the segment), so the stroke has no gaps. The
whole stroke is one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..model.document import SegmentationDocument
from .base import Feedback, Option, PointerEvent, Tool, ToolContext, ToolInfo
from .slicing import SlicePosition, region_from_plane

MIN_RADIUS, MAX_RADIUS = 1, 200


def capsule(start_rc: tuple[float, float], end_rc: tuple[float, float],
            radius: float) -> tuple[np.ndarray, tuple[int, int]]:
    """Pixels within ``radius`` of the segment start-end; returns (mask, top-left offset)."""
    (r0, c0), (r1, c1) = start_rc, end_rc
    top = int(np.floor(min(r0, r1) - radius))
    left = int(np.floor(min(c0, c1) - radius))
    bottom = int(np.ceil(max(r0, r1) + radius)) + 1
    right = int(np.ceil(max(c0, c1) + radius)) + 1
    rows, cols = np.mgrid[top:bottom, left:right]
    dr, dc = r1 - r0, c1 - c0
    length2 = dr * dr + dc * dc
    if length2 == 0:
        t = np.zeros(rows.shape)
    else:
        t = np.clip(((rows - r0) * dr + (cols - c0) * dc) / length2, 0.0, 1.0)
    distance2 = (rows - (r0 + t * dr)) ** 2 + (cols - (c0 + t * dc)) ** 2
    # +0.25 makes radius 1 a plus shape and keeps disks symmetric, as brushes usually are.
    return distance2 <= radius * radius + 0.25, (top, left)


@dataclass
class BrushStroke:
    """One Paint (``erase=False``) or Wipe (``erase=True``) stroke on a slice."""

    document: SegmentationDocument
    position: SlicePosition
    radius: float
    erase: bool = False
    _last: tuple[float, float] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.radius = float(min(max(self.radius, MIN_RADIUS), MAX_RADIUS))
        self.document.begin_stroke("Wipe" if self.erase else "Paint")

    def to(self, point_rc: tuple[float, float]) -> int:
        """Extend the stroke to ``point_rc`` (plane row, col); returns voxels changed."""
        start = self._last if self._last is not None else point_rc
        self._last = point_rc
        mask, offset = capsule(start, point_rc, self.radius)
        # The write path clips what lies outside the volume (brush at the edge).
        region = region_from_plane(mask, self.position, offset)
        if region is None:
            return 0
        if self.erase:
            return self.document.erase(region, self.position.time_step)
        return self.document.write(region, self.position.time_step)

    def finish(self) -> None:
        self.document.end_stroke()



class BrushTool(Tool):
    """A stroke per press-drag-release; the radius is shared by Paint and Wipe."""

    erases: ClassVar[bool] = False
    option_group = "brush"
    option_specs = (Option("radius", "brush radius (px)", 8.0, MIN_RADIUS, MAX_RADIUS),)

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._stroke: BrushStroke | None = None

    def press(self, context: ToolContext, event: PointerEvent) -> int:
        self.cancel()
        self._stroke = BrushStroke(context.document, event.position,
                                   float(self.options["radius"]),
                                   erase=self.erases != event.ctrl)
        return self._stroke.to(event.point_rc)

    def drag(self, context: ToolContext, event: PointerEvent) -> int:
        return self._stroke.to(event.point_rc) if self._stroke is not None else 0

    def release(self, context: ToolContext) -> int:
        self.cancel()
        return 0

    def cancel(self) -> None:
        if self._stroke is not None:
            self._stroke.finish()
        self._stroke = None

    @property
    def busy(self) -> bool:
        return self._stroke is not None

    def feedback(self) -> Feedback:
        return Feedback(brush_radius=float(self.options["radius"]))


class PaintTool(BrushTool):
    info = ToolInfo("paint", "P", "Paint: circular brush", inverts_with_ctrl=True)


class WipeTool(BrushTool):
    info = ToolInfo("wipe", "W", "Wipe: brush that clears the active label",
                    inverts_with_ctrl=True)
    erases = True
