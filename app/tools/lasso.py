"""Lasso: a contour of straight (click) and freehand (drag) segments, editable before it
is applied, adding to or subtracting from the active label."""

from __future__ import annotations

from .anchor_tool import ANCHOR_TOLERANCE_PX, AnchorTool
from .base import Option, PointerEvent, ToolContext, ToolInfo


class LassoTool(AnchorTool):
    info = ToolInfo("lasso", "L", "Lasso: clicks set polygon anchors, drags draw freehand, "
                    "double click closes; drag anchors to edit, Ctrl+click inserts, Del "
                    "deletes")
    option_specs = (Option("mode", "lasso mode", "add", choices=("add", "subtract")),
                    *AnchorTool.option_specs)

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._freehand: list[tuple[float, float]] = []
        self._press_point: tuple[float, float] | None = None

    def press(self, context: ToolContext, event: PointerEvent) -> int:
        if not self._same_slice(event.position):
            # The first anchor; a drag from it draws a freehand segment at once.
            self._begin(context, event, event.point_rc)
            self._freehand, self._press_point, self._gesture = [], None, True
            return 0
        if self.anchors.closed:
            if event.ctrl:
                return self._grab_anchor(self.anchors.insert_anchor(event.point_rc))
            return self._grab_anchor(self.anchors.nearest_anchor(event.point_rc,
                                                                 ANCHOR_TOLERANCE_PX))
        # Open contour: a click adds a straight segment, a drag a freehand one (release).
        self._freehand, self._press_point, self._gesture = [], event.point_rc, True
        return 0

    def drag(self, context: ToolContext, event: PointerEvent) -> int:
        if self._gesture and self.anchors is not None and not self.anchors.closed:
            self._freehand.append(event.point_rc)
            return 0
        return super().drag(context, event)

    def release(self, context: ToolContext) -> int:
        if self._gesture and self.anchors is not None and not self.anchors.closed:
            end = self._freehand[-1] if self._freehand else self._press_point
            if end is not None:  # None: the click that set the first anchor
                self.anchors.add_anchor(end, self._freehand[:-1],
                                        freehand=bool(self._freehand))
        self._freehand = []
        return super().release(context)

    def cancel(self) -> None:
        super().cancel()
        self._freehand = []

    def _trail(self) -> list[tuple[float, float]]:
        return list(self._freehand)

    def _subtracts(self) -> bool:
        return self.options["mode"] == "subtract"
