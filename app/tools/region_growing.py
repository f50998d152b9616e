"""Region growing 2D: a click seeds an intensity range; dragging reshapes it live.

As MITK: the range starts at the seed's 3x3 mean +- 10 % of the window width (or, when
the click lands in an existing region of the label, from that region's statistics);
while the button is held, dragging up widens and down narrows the range, left/right
shifts it. The region is 4-connected, smoothed by a 5x5 majority and hole-filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gpu.components import component_at
from ..gpu.morphology import fill_holes
from ..gpu.region import majority_2d, region_grow
from ..model.document import SegmentationDocument
from .base import Feedback, PointerEvent, SlicePreview, Tool, ToolContext, ToolInfo
from .slicing import SlicePosition, label_plane, plane_of, region_from_plane

DRAG_PIXELS_PER_WIDTH = 30.0  # dragging this many slice pixels doubles/halves the range


def grow_region(plane: np.ndarray, seed_rc: tuple[int, int], lower: float,
                upper: float) -> np.ndarray:
    """4-connected pixels within [lower, upper] reached from the seed, smoothed."""
    region = region_grow(plane, seed_rc, lower, upper, connectivity=4)
    if not region.any():
        return region
    smoothed = fill_holes(majority_2d(region, size=5))
    # The majority filter can detach the seed's own pixel on thin structures: keep the
    # component holding the seed.
    return component_at(smoothed, seed_rc, connectivity=4) if smoothed[seed_rc] else region


@dataclass
class RegionGrowing:
    """One click-and-drag of the tool: preview while dragging, write on release."""

    image_plane: np.ndarray
    seed_rc: tuple[int, int]
    lower: float
    upper: float
    preview: np.ndarray | None = None

    @classmethod
    def start(cls, document: SegmentationDocument, image_zyx: np.ndarray,
              position: SlicePosition, seed_rc: tuple[int, int],
              window_width: float) -> RegionGrowing:
        plane = plane_of(image_zyx, position).astype(np.float32)
        seg = document.segmentation
        value = seg.active_label_value
        labels = label_plane(seg, seg.group_index_of(value), position) if value else None
        if labels is not None and labels[seed_rc] == value:
            pixels = plane[labels == value]
            center, half = float(pixels.mean()), float(max(pixels.std() * 2, 1.0))
        else:
            r, c = seed_rc
            patch = plane[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2]
            center, half = float(patch.mean()), 0.1 * window_width
        tool = cls(plane, seed_rc, center - half, center + half)
        tool.preview = grow_region(plane, seed_rc, tool.lower, tool.upper)
        return tool

    def drag(self, offset_up: float, offset_right: float) -> np.ndarray:
        """Reshape the range by a drag of (up, right) pixels since the click."""
        center = (self.lower + self.upper) / 2
        half = (self.upper - self.lower) / 2
        half *= 2.0 ** (offset_up / DRAG_PIXELS_PER_WIDTH)
        center += offset_right / DRAG_PIXELS_PER_WIDTH * max(half, 1.0)
        self.preview = grow_region(self.image_plane, self.seed_rc, center - half,
                                   center + half)
        return self.preview

    def confirm(self, document: SegmentationDocument, position: SlicePosition) -> int:
        region = region_from_plane(self.preview, position) if self.preview is not None else None
        if region is None:
            return 0
        return document.write(region, position.time_step, description="Region growing")


class RegionGrowingTool(Tool):
    """Press on a seed, drag to reshape the range (preview), release to write."""

    info = ToolInfo("region_growing", "R", "Region growing: click a seed, drag up/down to "
                    "widen/narrow the range, left/right to shift it")

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._growing: RegionGrowing | None = None
        self._press: PointerEvent | None = None

    def press(self, context: ToolContext, event: PointerEvent) -> int:
        if context.image_zyx is None:
            raise ValueError("region growing needs the image")
        self._press = event
        self._growing = RegionGrowing.start(context.document, context.image_zyx,
                                            event.position, event.pixel,
                                            context.window_width)
        return 0

    def drag(self, context: ToolContext, event: PointerEvent) -> int:
        if self._growing is not None:
            start = self._press.point_rc
            self._growing.drag(offset_up=start[0] - event.point_rc[0],
                               offset_right=event.point_rc[1] - start[1])
        return 0

    def release(self, context: ToolContext) -> int:
        changed = 0
        if self._growing is not None:
            changed = self._growing.confirm(context.document, self._press.position)
        self.cancel()
        return changed

    def cancel(self) -> None:
        self._growing, self._press = None, None

    @property
    def busy(self) -> bool:
        return self._growing is not None

    def feedback(self) -> Feedback:
        if self._growing is None or self._growing.preview is None:
            return Feedback()
        position = self._press.position
        return Feedback(preview=SlicePreview(position.axis, position.index,
                                             self._growing.preview))
