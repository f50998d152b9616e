"""The active 2D tool and what the mouse does with it, independent of any window.

Views translate mouse events into plane coordinates of the slice under the mouse and
call ``press``/``drag``/``release``; this class turns them into tool actions. It keeps
only interaction state (the contour being drawn, the brush size); every change goes
through the document's write path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.document import SegmentationDocument
from .brush import MAX_RADIUS, MIN_RADIUS, BrushStroke
from .contour import apply_contour
from .region_growing import RegionGrowing
from .region_tools import close, erase, fill
from .slicing import SlicePosition


@dataclass(frozen=True)
class ToolInfo:
    name: str
    key: str  # shortcut letter; Ctrl is never needed to select a tool
    description: str


TOOLS: tuple[ToolInfo, ...] = (
    ToolInfo("add", "A", "Add: draw a closed contour; its inside joins the active label"),
    ToolInfo("subtract", "S", "Subtract: draw a contour; its inside leaves the active label"),
    ToolInfo("paint", "P", "Paint: circular brush"),
    ToolInfo("wipe", "W", "Wipe: brush that clears the active label"),
    ToolInfo("fill", "F", "Fill: flood the clicked region with the active label"),
    ToolInfo("erase", "E", "Erase: remove the clicked region (background: whole slice)"),
    ToolInfo("close", "C", "Close: fill the holes of the clicked region"),
    ToolInfo("region_growing", "R", "Region growing: click a seed, drag up/down to widen/"
             "narrow the range, left/right to shift it"),
)
INVERSE = {"add": "subtract", "subtract": "add", "paint": "wipe", "wipe": "paint"}


@dataclass
class ToolController:
    active_tool: str | None = None  # None: crosshair mode, clicks move the crosshair
    brush_radius: float = 8.0
    contour: list[tuple[float, float]] = field(default_factory=list)
    _stroke: BrushStroke | None = None
    _growing: RegionGrowing | None = None
    _press_rc: tuple[float, float] | None = None
    _position: SlicePosition | None = None
    _tool_in_use: str | None = None

    def select(self, name: str | None) -> None:
        if name is not None and name not in {t.name for t in TOOLS}:
            raise ValueError(f"unknown tool '{name}'")
        self.cancel()
        self.active_tool = name

    def set_brush_radius(self, radius: float) -> None:
        self.brush_radius = float(min(max(radius, MIN_RADIUS), MAX_RADIUS))

    def press(self, document: SegmentationDocument, position: SlicePosition,
              point_rc: tuple[float, float], ctrl: bool = False,
              image_zyx: np.ndarray | None = None, window_width: float = 400.0) -> int:
        """Mouse button down on a slice; returns voxels changed so far.

        ``image_zyx`` (the image at the shown time step) and ``window_width`` are needed
        by the intensity-based tools only.
        """
        if self.active_tool is None:
            return 0
        tool = INVERSE.get(self.active_tool, self.active_tool) if ctrl else self.active_tool
        self._tool_in_use, self._position = tool, position
        point = (int(round(point_rc[0])), int(round(point_rc[1])))
        if tool in ("fill", "erase", "close"):
            self._tool_in_use = None
            return {"fill": fill, "erase": erase, "close": close}[tool](document, position,
                                                                       point)
        if tool == "region_growing":
            if image_zyx is None:
                raise ValueError("region growing needs the image")
            self._press_rc = point_rc
            self._growing = RegionGrowing.start(document, image_zyx, position, point,
                                                window_width)
            return 0
        if tool in ("paint", "wipe"):
            self._stroke = BrushStroke(document, position, self.brush_radius,
                                       erase=tool == "wipe")
            return self._stroke.to(point_rc)
        self.contour = [point_rc]
        return 0

    def drag(self, point_rc: tuple[float, float]) -> int:
        if self._stroke is not None:
            return self._stroke.to(point_rc)
        if self._growing is not None:
            self._growing.drag(offset_up=self._press_rc[0] - point_rc[0],
                               offset_right=point_rc[1] - self._press_rc[1])
        elif self._tool_in_use in ("add", "subtract"):
            self.contour.append(point_rc)
        return 0

    def release(self, document: SegmentationDocument) -> int:
        changed = 0
        if self._stroke is not None:
            self._stroke.finish()
        elif self._growing is not None:
            changed = self._growing.confirm(document, self._position)
        elif self._tool_in_use in ("add", "subtract") and len(self.contour) >= 3:
            changed = apply_contour(document, self._position, self.contour,
                                    subtract=self._tool_in_use == "subtract")
        self._reset()
        return changed

    def cancel(self) -> None:
        if self._stroke is not None:
            self._stroke.finish()
        self._reset()

    def _reset(self) -> None:
        self._stroke = None
        self._growing = None
        self._tool_in_use = None
        self.contour = []

    @property
    def preview(self) -> tuple[int, int, np.ndarray] | None:
        """(axis, slice index, mask) of the live region-growing preview, if any."""
        if self._growing is None or self._growing.preview is None:
            return None
        return self._position.axis, self._position.index, self._growing.preview

    @property
    def contour_axis(self) -> int | None:
        """Axis of the slice the contour is being drawn on (for drawing its preview)."""
        return self._position.axis if self.contour and self._position is not None else None

    @property
    def busy(self) -> bool:
        return self._tool_in_use is not None
