"""The view area: three slice views and the 3D pane, their layouts and mouse gestures.

Each view keeps two flags, set from session events: its picture must be recomposited
(the slice, the segmentation on it, the window or a preview changed), or only its
overlays redrawn (crosshair, contour, brush circle). Scrolling one view recomposites
that view only; an idle frame recomposites none.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import dearpygui.dearpygui as dpg
import moderngl

from ..model.changes import Change
from ..render.slices import SliceAxis
from ..session import Session
from .slice_view import SliceView
from .view_3d import View3D

GRID, BIG, SINGLE = "grid", "big", "single"
ZOOM_STEP = 1.15
WINDOW_PER_PIXEL = 1 / 256  # Shift+drag: window change per pixel, in window widths


class ViewArea:
    """Places the panes, routes mouse gestures to the view under the mouse."""

    def __init__(self, session: Session, parent: int | str, act: Callable,
                 gl_context: moderngl.Context | None = None, no_3d: str = "") -> None:
        self.session = session
        self.parent = parent
        self.act = act  # runs a session action, turning failures into a message
        self.views = {axis.name.lower(): SliceView(session, axis, parent) for axis in SliceAxis}
        self.view_3d = View3D(session, parent, gl_context, no_3d)
        self.mode = GRID
        self.big = "axial"
        self.previous_mode = GRID
        self._drag: tuple[str, int, float, float] | None = None  # view, button, last x, y
        self._arranged_size: tuple[int, int] | None = None
        self._pixels: set[str] = set(self.views)
        self._overlays: set[str] = set()
        self._hovered: str | None = None
        self._had_preview = False
        # The crosshair before each of the last two presses: a double click maximises
        # and puts back the crosshair its first click moved.
        self._cursor_before_press: deque[tuple[int, int, int]] = deque(maxlen=2)

    # --- what to redraw ----------------------------------------------------------------
    def image_changed(self) -> None:
        self._pixels |= set(self.views)
        self.view_3d.invalidate()

    def invalidate_all(self) -> None:
        self._pixels |= set(self.views)
        self.view_3d.invalidate()

    def cursor_moved(self) -> None:
        """Views whose slice changed recomposite; the others only move the crosshair."""
        for name, view in self.views.items():
            target = self._pixels if view.rendered_slice != view.slice_index else self._overlays
            target.add(name)
        self.view_3d.cursor_moved()

    def document_changed(self, change: Change) -> None:
        if change.metadata:  # colour, opacity, visibility: the 3D view shows them at once
            self.view_3d.invalidate()
        time_step = self.session.time_step
        for name, view in self.views.items():
            if view.camera is not None and change.touches_slice(view.axis.value,
                                                                view.slice_index, time_step):
                self._pixels.add(name)

    def tool_feedback_changed(self) -> None:
        """Contours are overlays; a preview changes the pictures of the slices it is on."""
        self._overlays |= set(self.views)
        preview = self.session.tool_feedback.preview
        if preview is not None or self._had_preview:
            for name, view in self.views.items():
                if preview is None or preview.crosses(view.axis.value, view.slice_index):
                    self._pixels.add(name)
        self._had_preview = preview is not None

    def update(self) -> bool:
        """Redraw what is dirty (called once per frame); returns whether anything was."""
        if self.arrange_if_resized():
            self._overlays |= set(self.views)
        worked = bool(self._pixels or self._overlays)
        if self.session.image_index is None:
            self._pixels.clear()
            self._overlays.clear()
            return self.view_3d.update() or worked
        outline = self.session.preferences.overlay_style == "outline"
        for name in self._pixels:
            view = self.views[name]
            view.on_image_changed()
            view.render(outline)
        for name in self._overlays - self._pixels:
            if self.views[name].camera is not None:
                self.views[name].draw_overlays()
        self._pixels.clear()
        self._overlays.clear()
        return self.view_3d.update() or worked

    # --- layout ------------------------------------------------------------------------
    def arrange_if_resized(self) -> bool:
        """Re-place the panes when the area's size changed (it is known only after a frame)."""
        size = tuple(int(v) for v in dpg.get_item_rect_size(self.parent))
        if size == self._arranged_size or min(size) <= 0:
            return False
        self.arrange()
        return True

    def set_mode(self, mode: str, view_name: str | None = None) -> None:
        if view_name is not None:
            self.big = view_name
        self.mode = mode
        self.arrange()

    def toggle_maximised(self, view_name: str) -> None:
        if self.mode == SINGLE:
            self.set_mode(self.previous_mode)
        else:
            self.previous_mode = self.mode
            self.set_mode(SINGLE, view_name)

    def arrange(self) -> None:
        width, height = dpg.get_item_rect_size(self.parent)
        self._arranged_size = (int(width), int(height))
        width, height = max(int(width) - 8, 64), max(int(height) - 8, 64)
        names = ["axial", "sagittal", "coronal", "3d"]
        places: dict[str, tuple[int, int, int, int]] = {}
        if self.mode == GRID:
            w, h = width // 2, height // 2
            for index, name in enumerate(names):
                places[name] = ((index % 2) * w, (index // 2) * h, w, h)
        elif self.mode == BIG:
            small_h = height // 3
            big_w = width * 3 // 4
            places[self.big] = (0, 0, big_w, height)
            others = [n for n in names if n != self.big]
            for index, name in enumerate(others):
                places[name] = (big_w, index * small_h, width - big_w, small_h)
        else:
            places[self.big] = (0, 0, width, height)
        for name in names:
            x, y, w, h = places.get(name, (0, 0, 0, 0))
            if name == "3d":
                self.view_3d.place(x, y, w, h)
            else:
                self.views[name].place(x, y, w, h)
        self._overlays |= set(self.views)

    # --- mouse -------------------------------------------------------------------------
    def view_under_mouse(self) -> SliceView | None:
        for view in self.views.values():
            if view.camera is not None and view.local_mouse() is not None:
                return view
        return None

    def _drawing(self) -> bool:
        session = self.session
        return session.tools.active is not None and session.has_document

    def on_mouse_down(self, button: int) -> None:
        if self._drag is not None or self.session.image_index is None:
            return
        over_3d = self.view_3d.local_mouse()
        if over_3d is not None:
            self._drag = (View3D.name, button, *over_3d)
            return
        view = self.view_under_mouse()
        if view is None:
            return
        x, y = view.local_mouse()
        self._drag = (view.name, button, x, y)
        if button != dpg.mvMouseButton_Left or _shift_down():
            return
        self._cursor_before_press.append(self.session.cursor_zyx)
        if self._drawing():
            # While a tool is active, clicks draw and the crosshair stays where it is.
            voxel = view.voxel_at(x, y)
            if voxel is not None:
                self.act(self.session.tool_press, view.axis.value, voxel, _ctrl_down())
        else:
            self._move_cursor(view, x, y)

    def on_mouse_move(self) -> None:
        self._follow_mouse_with_tool()
        if self._drag is None:
            return
        name, button, last_x, last_y = self._drag
        drawlist = self.view_3d.drawlist if name == View3D.name else self.views[name].drawlist
        left, top = dpg.get_item_rect_min(drawlist)
        mouse_x, mouse_y = dpg.get_mouse_pos(local=False)
        x, y = mouse_x - left, mouse_y - top
        dx, dy = x - last_x, y - last_y
        self._drag = (name, button, x, y)
        if name == View3D.name:
            self.view_3d.drag(button, dx, dy)
            return
        view = self.views[name]
        session = self.session
        if button == dpg.mvMouseButton_Left and _shift_down():
            entry = session.image_entry
            per_pixel = entry.width * WINDOW_PER_PIXEL
            session.set_window(entry.level - dy * per_pixel, entry.width + dx * per_pixel)
        elif button == dpg.mvMouseButton_Left and self._drawing():
            voxel = view.voxel_at(x, y)
            if voxel is not None:
                self.act(session.tool_drag, voxel)
        elif button == dpg.mvMouseButton_Left:
            self._move_cursor(view, x, y)
        elif button == dpg.mvMouseButton_Right and dy:
            view.camera.zoom_at(*_drag_origin(view), ZOOM_STEP ** (-dy / 10))
            self._overlays.add(name)
        elif button == dpg.mvMouseButton_Middle:
            view.camera.pan(dx, dy)
            self._overlays.add(name)

    def _follow_mouse_with_tool(self) -> None:
        """The brush circle and the live wire follow the mouse over the views."""
        view = self.view_under_mouse()
        name = view.name if view is not None else None
        previous, self._hovered = self._hovered, name
        if self.session.tools.active is None:
            return
        if self.session.tool_feedback.brush_radius is not None:
            # Redraw where the circle is now and where it was (to take it away there).
            self._overlays |= {n for n in (name, previous) if n is not None}
        if view is not None and self._drag is None and self.session.has_document:
            voxel = view.voxel_under_mouse()
            if voxel is not None:
                self.session.tool_hover(view.axis.value, voxel)

    def on_mouse_up(self) -> None:
        self._drag = None
        if self.session.tools.busy:
            self.act(self.session.tool_release)

    def on_wheel(self, delta: int) -> bool:
        """Slice step, zoom with Ctrl, brush size with Shift; returns whether a view took
        the wheel; over the 3D view it zooms."""
        if self.view_3d.local_mouse() is not None:
            self.view_3d.wheel(delta)
            return True
        view = self.view_under_mouse()
        if view is None:
            return False
        if _ctrl_down():
            view.camera.zoom_at(*view.local_mouse(), ZOOM_STEP if delta > 0 else 1 / ZOOM_STEP)
            self._overlays.add(view.name)
        elif _shift_down():
            self.act(self.session.step_tool_option, "radius", 1 if delta > 0 else -1)
        else:
            self.step_slice(view, 1 if delta > 0 else -1)
        return True

    def on_double_click(self) -> None:
        if self.view_3d.local_mouse() is not None:
            self.toggle_maximised(View3D.name)
            return
        view = self.view_under_mouse()
        if view is None:
            return
        voxel = view.voxel_under_mouse()
        used = self._drawing() and voxel is not None and self.act(
            self.session.tool_double_click, view.axis.value, voxel)
        if not used:
            if len(self._cursor_before_press) == 2:
                self.session.set_cursor(self._cursor_before_press[0])
            self.toggle_maximised(view.name)

    # --- navigation ----------------------------------------------------------------------
    def step_slice(self, view: SliceView | None, delta: int) -> None:
        if self.session.image_index is None:
            return
        view = view or self.view_under_mouse() or self.views["axial"]
        self.session.step_slice(view.axis.value, delta)

    def _move_cursor(self, view: SliceView, x: float, y: float) -> None:
        voxel = view.voxel_at(x, y)
        if voxel is not None:
            self.session.set_cursor(voxel)

    def reset(self) -> None:
        for view in self.views.values():
            if view.camera is not None:
                view.camera.reset()
        self.view_3d.reset()
        self._overlays |= set(self.views)


def _drag_origin(view: SliceView) -> tuple[float, float]:
    width, height = view.camera.view_size
    return width / 2, height / 2


def _ctrl_down() -> bool:
    return dpg.is_key_down(dpg.mvKey_LControl) or dpg.is_key_down(dpg.mvKey_RControl)


def _shift_down() -> bool:
    return dpg.is_key_down(dpg.mvKey_LShift) or dpg.is_key_down(dpg.mvKey_RShift)
