"""The view area: three slice views and the 3D pane, their layouts and mouse gestures."""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from ..model.session import Session
from ..render.slices import SliceAxis
from ..tools.slicing import SlicePosition
from .slice_view import SliceView

GRID, BIG, SINGLE = "grid", "big", "single"
ZOOM_STEP = 1.15


class ViewArea:
    """Places the panes, routes mouse gestures to the view under the mouse."""

    def __init__(self, session: Session, parent: int | str, on_change, on_edit) -> None:
        self.session = session
        self.parent = parent
        self.on_change = on_change  # called with "window" | "camera" | "cursor" | "brush"
        self.on_edit = on_edit  # runs a tool action like MainWindow.act
        self.views = {axis.name.lower(): SliceView(session, axis, parent) for axis in SliceAxis}
        with dpg.child_window(parent=parent, tag="pane_3d", border=True):
            dpg.add_text("3D")
            dpg.add_text("The 3D surface view comes with the polygon models.", wrap=300)
        self.mode = GRID
        self.big = "axial"
        self.previous_mode = GRID
        self._drag: tuple[str, int, float, float] | None = None  # view, button, last x, y
        self._arranged_size: tuple[int, int] | None = None

    def arrange_if_resized(self) -> bool:
        """Re-place the panes when the area's size changed (it is known only after a frame)."""
        size = tuple(int(v) for v in dpg.get_item_rect_size(self.parent))
        if size == self._arranged_size or min(size) <= 0:
            return False
        self.arrange()
        return True

    # --- layout ------------------------------------------------------------------------
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
                dpg.configure_item("pane_3d", pos=(x, y), width=w, height=h, show=w > 0)
            else:
                self.views[name].place(x, y, w, h)

    # --- mouse -------------------------------------------------------------------------
    def view_under_mouse(self) -> SliceView | None:
        for view in self.views.values():
            if view.camera is not None and view.local_mouse() is not None:
                return view
        return None

    def _tool_point(self, view: SliceView, x: float, y: float):
        """(slice position, plane point) of a view point for the tools, or None."""
        voxel = view.voxel_at(x, y)
        if voxel is None:
            return None
        axis = view.axis.value
        position = SlicePosition(axis, voxel[axis], self.session.time_step)
        return position, tuple(v for k, v in enumerate(voxel) if k != axis)

    def _drawing(self) -> bool:
        session = self.session
        return session.tools.active_tool is not None and session.segmentation_index is not None

    def on_mouse_down(self, button: int) -> None:
        if self._drag is not None or self.session.image_index is None:
            return
        view = self.view_under_mouse()
        if view is None:
            return
        x, y = view.local_mouse()
        self._drag = (view.name, button, x, y)
        if button != dpg.mvMouseButton_Left or _shift_down():
            return
        if self._drawing():
            # While a tool is active, clicks draw and the crosshair stays where it is.
            target = self._tool_point(view, x, y)
            if target is not None:
                # Interpolation suggests in the orientation the user draws in.
                self.session.interpolator.axis = view.axis.value
                session = self.session
                entry = session.image_entry
                self.on_edit(session.tools.press, session.document, *target, _ctrl_down(),
                             entry.image.array[session.time_step], entry.width)
        else:
            self._move_cursor(view, x, y)

    def on_mouse_move(self) -> None:
        tools = self.session.tools
        if tools.active_tool in ("paint", "wipe"):
            self.on_change("brush")  # the brush outline follows the mouse
        if tools.active_tool == "live_wire" and tools.anchors is not None:
            view = self.view_under_mouse()
            target = self._tool_point(view, *view.local_mouse()) if view else None
            if target is not None:
                tools.hover(target[1])
                self.on_change("brush")
        if self._drag is None:
            return
        name, button, last_x, last_y = self._drag
        view = self.views[name]
        left, top = dpg.get_item_rect_min(view.drawlist)
        mouse_x, mouse_y = dpg.get_mouse_pos(local=False)
        x, y = mouse_x - left, mouse_y - top
        dx, dy = x - last_x, y - last_y
        self._drag = (name, button, x, y)
        if button == dpg.mvMouseButton_Left and _shift_down():
            entry = self.session.image_entry
            per_pixel = entry.width / 256
            self.session.set_window(entry.level - dy * per_pixel, entry.width + dx * per_pixel)
            self.on_change("window")
        elif button == dpg.mvMouseButton_Left and self._drawing():
            target = self._tool_point(view, x, y)
            if target is not None and self.session.tools.busy:
                self.on_edit(self.session.tools.drag, target[1])
        elif button == dpg.mvMouseButton_Left:
            self._move_cursor(view, x, y)
        elif button == dpg.mvMouseButton_Right and dy:
            view.camera.zoom_at(*_drag_origin(view), ZOOM_STEP ** (-dy / 10))
            self.on_change("camera")
        elif button == dpg.mvMouseButton_Middle:
            view.camera.pan(dx, dy)
            self.on_change("camera")

    def on_mouse_up(self) -> None:
        self._drag = None
        if self.session.tools.busy:
            self.on_edit(self.session.tools.release, self.session.document)

    def on_wheel(self, delta: int) -> bool:
        """Slice step, or zoom with Ctrl; returns whether a view took the wheel."""
        view = self.view_under_mouse()
        if view is None:
            return False
        if _ctrl_down():
            view.camera.zoom_at(*view.local_mouse(), ZOOM_STEP if delta > 0 else 1 / ZOOM_STEP)
            self.on_change("camera")
        elif _shift_down():
            tools = self.session.tools
            tools.set_brush_radius(tools.brush_radius + (1 if delta > 0 else -1))
            self.on_change("brush")
        else:
            self.step_slice(view, 1 if delta > 0 else -1)
        return True

    def on_double_click(self) -> None:
        view = self.view_under_mouse()
        if view is None:
            return
        if self._drawing() and self.session.tools.active_tool in ("lasso", "live_wire"):
            target = self._tool_point(view, *view.local_mouse())
            if target is not None:
                self.on_edit(self.session.tools.double_click, self.session.document, *target)
            return
        self.toggle_maximised(view.name)

    # --- navigation ----------------------------------------------------------------------
    def step_slice(self, view: SliceView | None, delta: int) -> None:
        view = view or self.view_under_mouse() or self.views["axial"]
        cursor = list(self.session.cursor_zyx)
        cursor[view.axis.value] += delta
        self.session.set_cursor(tuple(cursor))
        self.on_change("cursor")

    def _move_cursor(self, view: SliceView, x: float, y: float) -> None:
        voxel = view.voxel_at(x, y)
        if voxel is not None and voxel != self.session.cursor_zyx:
            self.session.set_cursor(voxel)
            self.on_change("cursor")

    def reset(self) -> None:
        for view in self.views.values():
            if view.camera is not None:
                view.camera.reset()
        self.on_change("camera")


def _drag_origin(view: SliceView) -> tuple[float, float]:
    width, height = view.camera.view_size
    return width / 2, height / 2


def _ctrl_down() -> bool:
    return dpg.is_key_down(dpg.mvKey_LControl) or dpg.is_key_down(dpg.mvKey_RControl)


def _shift_down() -> bool:
    return dpg.is_key_down(dpg.mvKey_LShift) or dpg.is_key_down(dpg.mvKey_RShift)
