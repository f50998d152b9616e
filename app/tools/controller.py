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
from .anchors import AnchorContour
from .brush import MAX_RADIUS, MIN_RADIUS, BrushStroke
from .contour import apply_contour
from .live_wire import LiveWire
from .region_growing import RegionGrowing
from .region_tools import close, erase, fill
from .slicing import SlicePosition, plane_of


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
    ToolInfo("lasso", "L", "Lasso: clicks set polygon anchors, drags draw freehand, double "
             "click closes; drag anchors to edit, Ctrl+click inserts, Del deletes"),
    ToolInfo("live_wire", "V", "Live wire: clicks set anchors, the path follows image edges "
             "to the mouse; double click closes; drag anchors to edit before confirming"),
)
ANCHOR_TOLERANCE_PX = 3.0
INVERSE = {"add": "subtract", "subtract": "add", "paint": "wipe", "wipe": "paint"}


@dataclass
class ToolController:
    active_tool: str | None = None  # None: crosshair mode, clicks move the crosshair
    brush_radius: float = 8.0
    contour: list[tuple[float, float]] = field(default_factory=list)
    _stroke: BrushStroke | None = None
    _growing: RegionGrowing | None = None
    _press_rc: tuple[float, float] | None = None
    _press_point: tuple[float, float] | None = None
    lasso_subtract: bool = False
    auto_confirm: bool = True
    anchors: AnchorContour | None = None  # lasso / live wire contour in progress
    _anchor_position: SlicePosition | None = None
    _freehand: list[tuple[float, float]] = field(default_factory=list)
    _moving_anchor: int | None = None
    _wire: LiveWire | None = None
    _wire_path: list[tuple[float, float]] = field(default_factory=list)
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
        self._press_point = point_rc
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
        if tool == "lasso":
            return self._lasso_press(position, point_rc, ctrl)
        if tool == "live_wire":
            return self._wire_press(position, point_rc, image_zyx)
        self.contour = [point_rc]
        return 0

    # --- lasso and live wire -------------------------------------------------------------
    def _same_slice(self, position: SlicePosition) -> bool:
        return self.anchors is not None and self._anchor_position == position

    def _lasso_press(self, position: SlicePosition, point: tuple[float, float],
                     ctrl: bool) -> int:
        if not self._same_slice(position):
            self.anchors, self._anchor_position = AnchorContour(), position
            self.anchors.add_anchor(point)
            self._tool_in_use = None
            return 0
        contour = self.anchors
        if contour.closed:
            if ctrl:
                contour.selected = contour.insert_anchor(point)
            else:
                contour.selected = contour.nearest_anchor(point, ANCHOR_TOLERANCE_PX)
            self._moving_anchor = contour.selected
            return 0
        self._freehand = []
        return 0

    def _wire_press(self, position: SlicePosition, point: tuple[float, float],
                    image_zyx: np.ndarray | None) -> int:
        point = (int(round(point[0])), int(round(point[1])))
        if not self._same_slice(position):
            if image_zyx is None:
                raise ValueError("live wire needs the image")
            self._wire = LiveWire(plane_of(image_zyx, position))
            self.anchors, self._anchor_position = AnchorContour(), position
            self.anchors.add_anchor(point)
        elif self.anchors.closed:
            # Editing a closed contour: grab the anchor near the click.
            self.anchors.selected = self.anchors.nearest_anchor(point, ANCHOR_TOLERANCE_PX)
            self._moving_anchor = self.anchors.selected
            return 0
        else:
            path = self._wire.path_to(point)
            self.anchors.add_anchor(point, path[1:-1])
        self._wire.set_anchor(point)
        self._wire_path = []
        self._tool_in_use = None
        return 0

    def _rewire(self, index: int) -> None:
        """Recompute the live-wire paths on both sides of a moved anchor."""
        contour = self.anchors
        anchor = tuple(int(round(v)) for v in contour.anchors[index])
        contour.anchors[index] = anchor
        self._wire.set_anchor(anchor)
        count = len(contour.anchors)
        previous, following = (index - 1) % count, (index + 1) % count
        if index > 0 or contour.closed:
            back = self._wire.path_to(tuple(int(v) for v in contour.anchors[previous]))
            contour.inner[previous] = back[::-1][1:-1]
        if index < count - 1 or contour.closed:
            contour.inner[index] = self._wire.path_to(
                tuple(int(v) for v in contour.anchors[following]))[1:-1]

    def hover(self, point_rc: tuple[float, float]) -> None:
        """Mouse moved without a button: the live wire follows it."""
        if self.active_tool == "live_wire" and self._wire is not None and self.anchors:
            self._wire_path = self._wire.path_to((int(round(point_rc[0])),
                                                  int(round(point_rc[1]))))

    def double_click(self, document: SegmentationDocument, position: SlicePosition,
                     point_rc: tuple[float, float]) -> int:
        """Lasso: start or close the contour; live wire: close and add. Returns voxels."""
        if self.active_tool not in ("lasso", "live_wire"):
            return 0
        if not self._same_slice(position):
            return 0
        contour = self.anchors
        if self.active_tool == "live_wire":
            path = self._wire.path_to(tuple(int(v) for v in contour.anchors[0]))
            contour.close(path[1:-1])
        else:
            contour.close()
        return self.confirm(document) if self.auto_confirm else 0

    def confirm(self, document: SegmentationDocument) -> int:
        """Apply the closed lasso/live-wire contour (add, or subtract in lasso mode)."""
        if self.anchors is None or not self.anchors.closed:
            return 0
        subtract = self.active_tool == "lasso" and self.lasso_subtract
        changed = apply_contour(document, self._anchor_position, self.anchors.points(),
                                subtract=subtract)
        self._clear_anchors()
        return changed

    def delete_selected_anchor(self) -> bool:
        if self.anchors is None or self.anchors.selected is None:
            return False
        return self.anchors.delete_anchor(self.anchors.selected)

    def _clear_anchors(self) -> None:
        self.anchors, self._anchor_position, self._wire = None, None, None
        self._wire_path, self._freehand, self._moving_anchor = [], [], None

    @property
    def outline(self) -> tuple[int, list[tuple[float, float]]] | None:
        """(axis, points) of the contour being drawn, for the views to draw."""
        if self.contour and self._position is not None:
            return self._position.axis, self.contour
        if self.anchors is not None:
            points = self.anchors.points() + self._freehand + self._wire_path
            if self.anchors.closed:
                points.append(self.anchors.anchors[0])
            return self._anchor_position.axis, points
        return None

    def drag(self, point_rc: tuple[float, float]) -> int:
        if self._stroke is not None:
            return self._stroke.to(point_rc)
        if self._tool_in_use in ("lasso", "live_wire") and self.anchors is not None:
            if self._moving_anchor is not None:
                self.anchors.move_anchor(self._moving_anchor, point_rc)
            elif not self.anchors.closed:
                self._freehand.append(point_rc)
            return 0
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
        elif self._tool_in_use == "live_wire" and self._moving_anchor is not None:
            self._rewire(self._moving_anchor)
        elif self._tool_in_use == "lasso" and self.anchors is not None and (
                not self.anchors.closed):
            # A click adds a polygon anchor; a drag adds a freehand segment to its end.
            end = self._freehand[-1] if self._freehand else self._press_point
            self.anchors.add_anchor(end, self._freehand[:-1], freehand=bool(self._freehand))
            self._freehand = []
        elif self._tool_in_use in ("add", "subtract") and len(self.contour) >= 3:
            changed = apply_contour(document, self._position, self.contour,
                                    subtract=self._tool_in_use == "subtract")
        self._reset()
        return changed

    def cancel(self) -> None:
        """Finish a stroke in progress and drop any unconfirmed contour."""
        if self._stroke is not None:
            self._stroke.finish()
        self._reset()
        self._clear_anchors()

    def _reset(self) -> None:
        self._stroke = None
        self._growing = None
        self._moving_anchor = None
        self._tool_in_use = None
        self.contour = []

    @property
    def preview(self) -> tuple[int, int, np.ndarray] | None:
        """(axis, slice index, mask) of the live region-growing preview, if any."""
        if self._growing is None or self._growing.preview is None:
            return None
        return self._position.axis, self._position.index, self._growing.preview

    @property
    def busy(self) -> bool:
        return self._tool_in_use is not None
