"""Routes pointer events to the active tool; holds no tool's state itself.

Views translate mouse events into plane coordinates of the slice under the mouse and
the session calls ``press``/``drag``/``release`` here; the active tool (None: crosshair
mode, clicks move the crosshair) decides what they mean. A gesture keeps the context of
its press (document, image, window), so a drag or hover needs only the new point.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..model.document import SegmentationDocument
from .base import Feedback, OptionValue, PointerEvent, Preview, Tool, ToolContext
from .registry import create_tools
from .slicing import SlicePosition
from .volume import VolumeTool


class ToolController:
    """``active`` gets the pointer events; ``armed`` is the 3D tool whose preview is
    shown. They are the same tool except while a 3D tool that stays armed (GrowCut)
    waits for the scribbles a 2D tool draws."""

    def __init__(self, tools: dict[str, Tool] | None = None) -> None:
        self.tools = tools if tools is not None else create_tools()
        self.active: Tool | None = None
        self.armed: VolumeTool | None = None
        self._context: ToolContext | None = None
        self._position: SlicePosition | None = None

    @property
    def active_tool(self) -> str | None:
        return self.active.info.name if self.active is not None else None

    def select(self, name: str | None) -> None:
        """Make ``name`` the active tool (None: no tool); unconfirmed work is dropped,
        except the preview of an armed 3D tool that stays armed while 2D tools draw."""
        if name is not None and name not in self.tools:
            raise ValueError(f"unknown tool '{name}'")
        tool = self.tools[name] if name is not None else None
        keep_armed = (self.armed is not None and self.armed.stays_armed
                      and not isinstance(tool, VolumeTool))
        self.cancel(keep_armed=keep_armed)
        if isinstance(tool, VolumeTool):
            self.armed = tool
        self.active = tool

    def disarm(self) -> None:
        """Drop the armed 3D tool's preview (its Cancel)."""
        if self.armed is not None:
            self.armed.cancel()
            if self.active is self.armed:
                self.active = None
        self.armed = None

    def option(self, tool: str, name: str) -> OptionValue:
        return self.tools[tool].options[name]

    def set_option(self, tool: str, name: str, value: OptionValue) -> OptionValue:
        """Set an option of any tool (active or not); returns the value kept."""
        return self.tools[tool].set_option(name, value)

    # --- events ------------------------------------------------------------------------
    def press(self, document: SegmentationDocument, position: SlicePosition,
              point_rc: tuple[float, float], ctrl: bool = False,
              image_zyx: np.ndarray | None = None, window_width: float = 400.0) -> int:
        """Mouse button down on a slice; returns voxels changed so far.

        ``image_zyx`` (the image at the shown time step) and ``window_width`` are needed
        by the intensity-based tools only.
        """
        if self.active is None:
            return 0
        self._context = ToolContext(document, image_zyx, window_width, position.time_step)
        self._position = position
        return self.active.press(self._context, PointerEvent(position, point_rc, ctrl))

    def drag(self, point_rc: tuple[float, float]) -> int:
        if self.active is None or self._context is None:
            return 0
        return self.active.drag(self._context, PointerEvent(self._position, point_rc))

    def release(self, document: SegmentationDocument) -> int:
        if self.active is None or self._context is None:
            return 0
        return self.active.release(self._context_for(document))

    def hover(self, point_rc: tuple[float, float]) -> bool:
        """Mouse moved without a button; returns whether the tool's feedback changed."""
        if self.active is None or self._context is None:
            return False
        return self.active.hover(self._context, PointerEvent(self._position, point_rc))

    def double_click(self, document: SegmentationDocument, position: SlicePosition,
                     point_rc: tuple[float, float]) -> int:
        if self.active is None or self._context is None:
            return 0
        return self.active.double_click(self._context_for(document),
                                        PointerEvent(position, point_rc))

    def key(self, document: SegmentationDocument, key: str) -> bool:
        """A key for the active tool ("delete"); returns whether the tool used it."""
        if self.active is None:
            return False
        return self.active.key(self._context_for(document), key)

    def confirm(self, document: SegmentationDocument) -> int:
        """Apply what the active tool holds (a closed contour, a preview)."""
        if self.active is None:
            return 0
        return self.active.confirm(self._context_for(document))

    def _context_for(self, document: SegmentationDocument) -> ToolContext:
        """The gesture's context, on ``document``."""
        if self._context is None:
            return ToolContext(document)
        return replace(self._context, document=document)

    def cancel(self, keep_armed: bool = False) -> None:
        """End a gesture in progress and drop unconfirmed work of the active tool, and of
        the armed 3D tool unless ``keep_armed`` (its preview is then recomputed)."""
        if self.active is not None and self.active is not self.armed:
            self.active.cancel()
        if not keep_armed:
            self.disarm()
        self._context = self._position = None

    # --- what the views draw ---------------------------------------------------------------
    def feedback(self) -> Feedback:
        """The active tool's feedback; the armed 3D tool's preview when the active tool
        shows none (GrowCut's preview while the brush draws seeds)."""
        feedback = self.active.feedback() if self.active is not None else Feedback()
        if feedback.preview is None and self.armed is not None and self.armed is not self.active:
            feedback = replace(feedback, preview=self.armed.shown_preview(),
                               preview_colors=self.armed.region_colors())
        return feedback

    @property
    def preview(self) -> Preview | None:
        return self.feedback().preview

    @property
    def outline(self) -> tuple[int, list[tuple[float, float]]] | None:
        """(axis, points) of the contour being drawn, or None."""
        feedback = self.feedback()
        return (feedback.axis, feedback.contour) if feedback.contour else None

    @property
    def anchors(self):
        """The anchor contour being edited (Lasso, Live wire), or None."""
        return self.feedback().anchors

    @property
    def busy(self) -> bool:
        return self.active is not None and self.active.busy

    @property
    def gesture_position(self) -> SlicePosition | None:
        """The slice of the last press, which drags and hovers refer to."""
        return self._position
