"""What Lasso and Live wire share: a contour of anchors on one slice, edited before it
is applied.

Clicks on the slice of the contour in progress add anchors (how the segment to the new
anchor is made is the tool's own business); a double click closes the contour; a closed
contour's anchors can be dragged, and it is applied at once or on Confirm ("confirm when
closed"). A click on another slice starts a new contour there.
"""

from __future__ import annotations

from .anchors import AnchorContour
from .base import Feedback, Option, PointerEvent, Tool, ToolContext
from .contour import apply_contour
from .slicing import SlicePosition

ANCHOR_TOLERANCE_PX = 3.0


class AnchorTool(Tool):
    uses_double_click = True
    option_specs = (Option("auto_confirm", "confirm when closed", True),)

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.anchors: AnchorContour | None = None
        self._position: SlicePosition | None = None
        self._moving_anchor: int | None = None
        self._gesture = False  # a press whose release still has work to do

    # --- hooks of the two tools ----------------------------------------------------------
    def _start(self, context: ToolContext, event: PointerEvent) -> None:
        """A first click on a slice: the tool's per-contour set-up."""

    def _trail(self) -> list[tuple[float, float]]:
        """Points drawn after the last anchor (freehand or the path to the mouse)."""
        return []

    def _closing_segment(self) -> list[tuple[float, float]]:
        """Inner points of the segment from the last anchor back to the first."""
        return []

    def _subtracts(self) -> bool:
        return False

    # --- events ------------------------------------------------------------------------
    def _same_slice(self, position: SlicePosition) -> bool:
        return self.anchors is not None and self._position == position

    def _grab_anchor(self, index: int | None) -> int:
        """Select an anchor of the closed contour and start moving it."""
        self.anchors.selected = index
        self._moving_anchor = index
        self._gesture = True
        return 0

    def _begin(self, context: ToolContext, event: PointerEvent, point) -> None:
        self.anchors, self._position = AnchorContour(), event.position
        self._start(context, event)
        self.anchors.add_anchor(point)

    def drag(self, context: ToolContext, event: PointerEvent) -> int:
        if self._gesture and self._moving_anchor is not None:
            self.anchors.move_anchor(self._moving_anchor, event.point_rc)
        return 0

    def release(self, context: ToolContext) -> int:
        self._gesture, self._moving_anchor = False, None
        return 0

    def double_click(self, context: ToolContext, event: PointerEvent) -> int:
        """Close the contour; apply it at once unless the user confirms by hand."""
        if not self._same_slice(event.position):
            return 0
        self.anchors.close(self._closing_segment())
        return self.confirm(context) if self.options["auto_confirm"] else 0

    def confirm(self, context: ToolContext) -> int:
        if self.anchors is None or not self.anchors.closed:
            return 0
        changed = apply_contour(context.document, self._position, self.anchors.points(),
                                subtract=self._subtracts())
        self.cancel()
        return changed

    def key(self, context: ToolContext, key: str) -> bool:
        """Delete removes the selected anchor (between two straight segments)."""
        if key != "delete" or self.anchors is None or self.anchors.selected is None:
            return False
        return self.anchors.delete_anchor(self.anchors.selected)

    def cancel(self) -> None:
        self.anchors, self._position, self._moving_anchor = None, None, None
        self._gesture = False

    # --- state -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._gesture

    def feedback(self) -> Feedback:
        if self.anchors is None:
            return Feedback()
        points = self.anchors.points() + self._trail()
        if self.anchors.closed:
            points.append(self.anchors.anchors[0])
        return Feedback(axis=self._position.axis, contour=points, anchors=self.anchors,
                        confirmable=self.anchors.closed and not self.options["auto_confirm"])
