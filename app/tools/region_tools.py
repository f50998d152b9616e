"""Click tools that act on a connected region of the label slice: Fill, Erase, Close.

All three follow MITK's rules (segmentation-semantics.md): they only touch regions of
the active label or of unlocked labels (Fill also unlabeled regions), and every click
is one undo step through the document's write path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from ..gpu.components import component_at
from ..gpu.morphology import fill_holes
from ..model.document import SegmentationDocument
from .base import PointerEvent, Tool, ToolContext, ToolInfo
from .slicing import SlicePosition, label_plane, region_from_plane


def connected_region(plane: np.ndarray, point_rc: tuple[int, int]) -> np.ndarray:
    """Pixels 4-connected to ``point_rc`` holding the same value."""
    return component_at(plane, point_rc, connectivity=4)


def _editable(document: SegmentationDocument, value: int) -> bool:
    seg = document.segmentation
    return value == seg.active_label_value or (seg.has_label(value)
                                              and not seg.label(value).locked)


def _active_group(document: SegmentationDocument) -> int:
    seg = document.segmentation
    if seg.active_label_value is None:
        raise ValueError("no active label: add or select a label first")
    return seg.group_index_of(seg.active_label_value)


def fill(document: SegmentationDocument, position: SlicePosition,
         point_rc: tuple[int, int]) -> int:
    """Flood the clicked region (same label, or unlabeled) with the active label.

    The region holds one value, so the write's lock rule is exactly MITK's condition:
    a locked label's region (or unlabeled pixels under the unlabeled lock) stays.
    """
    group = _active_group(document)
    plane = label_plane(document.segmentation, group, position)
    region = region_from_plane(connected_region(plane, point_rc), position)
    return document.write(region, position.time_step, description="Fill")


def erase(document: SegmentationDocument, position: SlicePosition,
          point_rc: tuple[int, int]) -> int:
    """Remove the clicked connected region; on unlabeled background clear the slice.

    Only regions of the active label or of unlocked labels of the active label's group
    are removed.
    """
    group = _active_group(document)
    seg = document.segmentation
    plane = label_plane(seg, group, position)
    value = int(plane[point_rc])
    if value != 0:
        if not _editable(document, value):
            return 0
        region = region_from_plane(connected_region(plane, point_rc), position)
        return document.erase(region, position.time_step, value)
    changed = 0
    with document.step("Erase slice"):
        for label_value in np.unique(plane):
            if label_value and _editable(document, int(label_value)):
                region = region_from_plane(plane == label_value, position)
                changed += document.erase(region, position.time_step, int(label_value))
    return changed


def close(document: SegmentationDocument, position: SlicePosition,
          point_rc: tuple[int, int]) -> int:
    """Fill the holes of the clicked region with its own label (a local closing).

    Holes may hold other labels or nothing; locked labels' pixels stay, because the
    write regards locks. Clicking unlabeled background does nothing.
    """
    group = _active_group(document)
    plane = label_plane(document.segmentation, group, position)
    value = int(plane[point_rc])
    if value == 0 or not _editable(document, value):
        return 0
    region_mask = connected_region(plane, point_rc)
    holes = fill_holes(region_mask) & ~region_mask
    region = region_from_plane(holes, position)
    if region is None:
        return 0
    return document.write(region, position.time_step, value, description="Close")


class RegionClickTool(Tool):
    """One click, one region operation, one undo step."""

    operation: ClassVar[Callable[[SegmentationDocument, SlicePosition, tuple[int, int]], int]]

    def press(self, context: ToolContext, event: PointerEvent) -> int:
        return type(self).operation(context.document, event.position, event.pixel)


class FillTool(RegionClickTool):
    info = ToolInfo("fill", "F", "Fill: flood the clicked region with the active label")
    operation = staticmethod(fill)


class EraseTool(RegionClickTool):
    info = ToolInfo("erase", "E", "Erase: remove the clicked region (background: whole "
                    "slice)")
    operation = staticmethod(erase)


class CloseTool(RegionClickTool):
    info = ToolInfo("close", "C", "Close: fill the holes of the clicked region")
    operation = staticmethod(close)
