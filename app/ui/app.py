"""The Demarcate window: data manager, axial slice view, label panel, status bar.

Callbacks only call session methods through ``act`` and mark the window dirty; the
frame loop redraws panels and the slice only when something changed.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import dearpygui.dearpygui as dpg

from .. import __version__, formats
from ..model.session import Session
from ..render.windowing import AUTO, preset_name, window_presets
from . import keys
from .data_panel import build_data_panel
from .dialogs import IMAGE_EXTENSIONS, SEGMENTATION_EXTENSIONS, ask_path, show_error
from .label_panel import build_label_panel
from .preferences_dialog import show_preferences
from .save_dialog import show_save_as, suggested_path
from .tasks import BackgroundTask, TaskRunner
from .tool_panel import build_tool_panel
from .views import BIG, GRID, SINGLE, ViewArea

# Set by the real-window tests: after each panel rebuild the window writes the screen
# rectangles of its tagged widgets there, so tests click on widgets, not on guesses.
LAYOUT_FILE_ENV = "DEMARCATE_LAYOUT_FILE"
LAYOUT_EVERY_FRAMES = 5
SIDE_WIDTH = 270
LABEL_WIDTH = 340


def sample_paths() -> list[str]:
    """The bundled sample CT (shipped inside the package, so it works offline)."""
    folder = resources.files("demarcate.assets.samples")
    return [str(folder / "example_ct_sm.nii.gz")]


class MainWindow:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.views: ViewArea | None = None
        self.panels_dirty = True
        self.pixels_dirty = True  # slice pictures must be recomposited
        self.overlays_dirty = False  # only camera/crosshair drawing changed
        self.layout_file = os.environ.get(LAYOUT_FILE_ENV)
        self.frame_count = 0
        self.tasks = TaskRunner()
        self.scroll_frames = 0  # frames until the label panel shows the active label

    # --- actions -----------------------------------------------------------------------
    def act(self, action: Callable, *args) -> object:
        """Run a session action; show errors in a dialog, never crash; then redraw."""
        try:
            result = action(*args)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            traceback.print_exc()
            show_error(str(error) or type(error).__name__)
            result = None
        self.panels_dirty = self.pixels_dirty = True
        return result

    def edit(self, action: Callable, *args) -> object:
        """A tool action from a view: redraw the slices; panels (undo menu, labels) only
        once the stroke is finished, so a brush drag does not rebuild widgets per event."""
        try:
            result = action(*args)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            traceback.print_exc()
            self.session.tools.cancel()
            show_error(str(error) or type(error).__name__)
            result = None
        self.pixels_dirty = True
        if not self.session.tools.busy:
            self.panels_dirty = True
        return result

    def select_tool(self, name: str | None) -> None:
        self.act(self.session.tools.select, name)

    def on_view_change(self, kind: str) -> None:
        if kind == "window":
            self.pixels_dirty = True
        else:
            # Crosshair moves re-render only views whose slice changed (see update).
            self.overlays_dirty = True

    def run_in_background(self, title: str, work: Callable, on_done: Callable) -> None:
        """File work off the UI thread; the result lands through ``act`` on this thread."""
        self.tasks.start(BackgroundTask(
            title, work,
            on_done=lambda result: self.act(on_done, result),
            on_error=lambda error: show_error(f"{title} failed: {error}"),
        ))

    def open_image(self, path: str) -> None:
        self.run_in_background(f"Opening {Path(path).name}", lambda: formats.read_image(path),
                               self.session.add_image)

    def open_segmentation(self, path: str) -> None:
        session = self.session
        if session.image_index is None:
            show_error("Open the image first: a segmentation is shown on its image.")
            return
        image = session.image_entry.image
        self.run_in_background(
            f"Opening {Path(path).name}",
            lambda: formats.read_segmentation(path, reference=image),
            lambda segmentation: session.add_segmentation(segmentation, path),
        )

    def save(self) -> None:
        if self.session.segmentation_index is None:
            return
        if self.session.document.path is None:
            self.save_as()
        else:
            self.save_to(self.session.document.path)

    def save_as(self) -> None:
        if self.session.segmentation_index is None:
            return
        initial = suggested_path(self.session.image_entry.image.source_path,
                                 self.session.document.path)
        show_save_as(initial, self.save_to)

    def save_to(self, path: str, mitk_version: int = 1) -> None:
        """Saving runs in the background behind a modal window, so nothing edits the
        segmentation while it is written."""
        self.run_in_background(
            f"Saving {Path(path).name}",
            lambda: self.session.save_segmentation(path, mitk_version=mitk_version),
            lambda _: None,
        )

    def step_time(self, delta: int) -> None:
        if self.session.image_index is None:
            return
        steps = self.session.image_entry.image.time_steps
        self.act(self.session.set_time_step, min(max(self.session.time_step + delta, 0),
                                                 steps - 1))

    def commands(self) -> dict[str, Callable]:
        views = self.views
        return {
            "open": lambda: ask_path("Open image", IMAGE_EXTENSIONS, self.open_image),
            "open_segmentation": lambda: ask_path("Open segmentation", SEGMENTATION_EXTENSIONS,
                                                  self.open_segmentation),
            "save": self.save,
            "save_as": self.save_as,
            "undo": lambda: self.act(self.session.undo),
            "redo": lambda: self.act(self.session.redo),
            "new_segmentation": lambda: self.act(self.session.new_segmentation),
            "add_label": lambda: self.act(self.session.add_label),
            "next_slice": lambda: views.step_slice(None, 1),
            "previous_slice": lambda: views.step_slice(None, -1),
            "next_slice_fast": lambda: views.step_slice(None, 10),
            "previous_slice_fast": lambda: views.step_slice(None, -10),
            "next_time_step": lambda: self.step_time(1),
            "previous_time_step": lambda: self.step_time(-1),
            "reset_view": self.reset_view,
            "layout_grid": lambda: views.set_mode(GRID),
            "layout_big": lambda: views.set_mode(BIG, self._view_name_under_mouse()),
            "layout_single": lambda: views.set_mode(SINGLE, self._view_name_under_mouse()),
            "no_tool": lambda: self.select_tool(None),
            "delete_anchor": lambda: self.edit(self.session.tools.delete_selected_anchor),
            "brush_smaller": lambda: self.act(self.session.tools.set_brush_radius,
                                              self.session.tools.brush_radius - 1),
            "brush_larger": lambda: self.act(self.session.tools.set_brush_radius,
                                             self.session.tools.brush_radius + 1),
        }

    def _view_name_under_mouse(self) -> str | None:
        view = self.views.view_under_mouse()
        return view.name if view else None

    def reset_view(self) -> None:
        if self.session.image_index is not None:
            self.act(self.session.apply_window_preset, AUTO)
            self.views.reset()

    # --- input -------------------------------------------------------------------------
    def on_key(self, _sender, key_code) -> None:
        if dpg.does_item_exist("rename_input") and dpg.is_item_active("rename_input"):
            return  # typing a name, not a shortcut
        ctrl = dpg.is_key_down(dpg.mvKey_LControl) or dpg.is_key_down(dpg.mvKey_RControl)
        shift = dpg.is_key_down(dpg.mvKey_LShift) or dpg.is_key_down(dpg.mvKey_RShift)
        if any(dpg.is_item_active(i) for i in ("save_path",) if dpg.does_item_exist(i)):
            return
        names = {getattr(dpg, f"mvKey_{b.key}"): b.key for b in keys.BINDINGS}
        binding = keys.find_binding(names.get(key_code, ""), ctrl, shift)
        if binding is not None:
            handler = self.commands().get(binding.action)
            if handler is not None:
                handler()
            return
        tool = keys.tool_for_key(key_code) if not ctrl else None
        if tool is not None:
            self.select_tool(tool)

    # --- layout ------------------------------------------------------------------------
    def build(self) -> None:
        with dpg.window(tag="main", no_scrollbar=True):
            self._build_menu()
            with dpg.group(horizontal=True):
                with dpg.child_window(width=SIDE_WIDTH, height=-28, tag="data_column"):
                    dpg.add_text("Data")
                with dpg.group():
                    self._build_toolbar()
                    dpg.add_child_window(width=-LABEL_WIDTH, height=-28, tag="view_area",
                                         no_scrollbar=True, border=False)
                with dpg.child_window(width=-1, height=-28, tag="label_column"):
                    dpg.add_text("Labels")
            dpg.add_text("", tag="status_bar")
        self.views = ViewArea(self.session, "view_area", self.on_view_change, self.edit)
        with dpg.handler_registry():
            dpg.add_key_press_handler(callback=self.on_key)
            dpg.add_mouse_wheel_handler(
                callback=lambda s, delta: self.views.on_wheel(delta))
            dpg.add_mouse_down_handler(callback=lambda s, a: self.views.on_mouse_down(a[0]))
            dpg.add_mouse_move_handler(callback=lambda s, a: self.views.on_mouse_move())
            dpg.add_mouse_release_handler(callback=lambda s, a: self.views.on_mouse_up())
            dpg.add_mouse_double_click_handler(button=dpg.mvMouseButton_Left,
                                               callback=lambda: self.views.on_double_click())
        dpg.set_primary_window("main", True)

    def _build_menu(self) -> None:
        with dpg.menu_bar():
            with dpg.menu(label="File"):
                dpg.add_menu_item(label="Open image...", shortcut="Ctrl+O",
                                  callback=lambda: self.commands()["open"]())
                dpg.add_menu_item(label="Open segmentation...",
                                  callback=lambda: self.commands()["open_segmentation"]())
                dpg.add_menu_item(label="Save segmentation", shortcut="Ctrl+S",
                                  callback=self.save)
                dpg.add_menu_item(label="Save segmentation as...", callback=self.save_as)
                dpg.add_menu_item(label="Quit", callback=dpg.stop_dearpygui)
            with dpg.menu(label="Edit"):
                dpg.add_menu_item(label="Undo", shortcut="Ctrl+Z", tag="menu_undo",
                                  callback=lambda: self.act(self.session.undo))
                dpg.add_menu_item(label="Redo", shortcut="Ctrl+Y", tag="menu_redo",
                                  callback=lambda: self.act(self.session.redo))
                dpg.add_menu_item(label="Preferences...", tag="menu_preferences",
                                  callback=lambda: show_preferences(self.session, self.act))
            with dpg.menu(label="View"):
                for label, mode in (("2 x 2", GRID), ("One big, three small", BIG),
                                    ("Single view", SINGLE)):
                    dpg.add_menu_item(label=label, callback=lambda s, a, u: self.views.set_mode(u),
                                      user_data=mode)
                dpg.add_menu_item(label="Reset view", shortcut="Home", callback=self.reset_view)
            with dpg.menu(label="Help"):
                dpg.add_menu_item(label="Shortcuts", callback=self.show_shortcuts)

    def _build_toolbar(self) -> None:
        with dpg.group(horizontal=True, tag="toolbar"):
            dpg.add_text("Window")
            dpg.add_combo(window_presets(), default_value=AUTO, width=150, tag="window_preset",
                          callback=lambda s, a: self.act(self.session.apply_window_preset, a))
            dpg.add_text("", tag="window_values")
            dpg.add_slider_int(label="time", tag="time_slider", width=160, min_value=0,
                               max_value=1, show=False,
                               callback=lambda s, a: self.act(self.session.set_time_step, a))

    def show_shortcuts(self) -> None:
        with dpg.window(label="Shortcuts", width=460, autosize=True, tag="shortcuts_window",
                        on_close=lambda: dpg.delete_item("shortcuts_window")):
            with dpg.table(header_row=True):
                dpg.add_table_column(label="Keys / mouse")
                dpg.add_table_column(label="Action")
                for binding in keys.BINDINGS:
                    with dpg.table_row():
                        dpg.add_text(binding.label())
                        dpg.add_text(binding.description)
                for gesture, description in keys.MOUSE_GESTURES:
                    with dpg.table_row():
                        dpg.add_text(gesture)
                        dpg.add_text(description)

    # --- frame loop ----------------------------------------------------------------------
    def update(self) -> None:
        session = self.session
        if self.tasks.poll():
            self.panels_dirty = self.pixels_dirty = True
        has_image = session.image_index is not None
        if self.panels_dirty:
            self.panels_dirty = False
            build_data_panel("data_column", session, self.act, self.commands())
            build_label_panel("label_column", session, self.act)
            build_tool_panel("label_column", session, self.select_tool, self.act)
            if has_image:
                for view in self.views.views.values():
                    view.on_image_changed()
                steps = session.image_entry.image.time_steps
                dpg.configure_item("time_slider", show=steps > 1, max_value=max(steps - 1, 1))
                dpg.set_value("time_slider", session.time_step)
            self.views.arrange()
            self.update_menu()
            self.pixels_dirty = True
            self.scroll_frames = 2
        if self.views.arrange_if_resized():
            self.overlays_dirty = True
        if has_image and (self.pixels_dirty or self.overlays_dirty):
            if self.pixels_dirty and not session.tools.busy:
                session.update_interpolation()
            outline = session.preferences.overlay_style == "outline"
            for view in self.views.views.values():
                if self.pixels_dirty or view.rendered_slice != view.slice_index:
                    view.render(outline)
                else:
                    view.draw_overlays()
            entry = session.image_entry
            dpg.set_value("window_values", f"L {entry.level:.0f}  W {entry.width:.0f}")
            dpg.set_value("window_preset", preset_name(entry.level, entry.width))
            self.pixels_dirty = self.overlays_dirty = False
        self.update_status()
        if self.scroll_frames:
            self.scroll_frames -= 1
            if not self.scroll_frames:
                self.show_active_label()
        self.frame_count += 1
        if self.layout_file and self.frame_count % LAYOUT_EVERY_FRAMES == 0:
            self.write_layout()

    def show_active_label(self) -> None:
        """Scroll a long label panel so that the active label's row is in view.

        Rows of labels scrolled out of view report no usable position, so the scroll
        follows the active label's place in the list instead.
        """
        session = self.session
        if session.image_index is None or session.segmentation_index is None:
            return
        values = [label.value for label in session.segmentation.labels]
        active = session.segmentation.active_label_value
        if active not in values or len(values) < 2:
            return
        fraction = values.index(active) / (len(values) - 1)
        dpg.set_y_scroll("label_column", fraction * dpg.get_y_scroll_max("label_column"))

    def write_layout(self) -> None:
        rectangles: dict[str, object] = {}
        for item in dpg.get_all_items():
            alias = dpg.get_item_alias(item)
            if not alias:
                continue
            state = dpg.get_item_state(item)
            if dpg.is_item_shown(item) and "rect_min" in state and "rect_size" in state:
                rectangles[alias] = [*state["rect_min"], *state["rect_size"]]
        for name in self.views.views:
            rectangles[f"_title_{name}"] = dpg.get_value(f"title_{name}")
        rectangles["_cursor"] = list(self.session.cursor_zyx)
        rectangles["_time_step"] = self.session.time_step
        temp = f"{self.layout_file}.tmp"
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(rectangles, handle)
        os.replace(temp, self.layout_file)

    def update_menu(self) -> None:
        has_doc = self.session.image_index is not None and (
            self.session.segmentation_index is not None)
        history = self.session.document.history if has_doc else None
        undo = history.next_undo() if history else None
        redo = history.next_redo() if history else None
        dpg.configure_item("menu_undo", label=f"Undo {undo}" if undo else "Undo",
                           enabled=bool(undo))
        dpg.configure_item("menu_redo", label=f"Redo {redo}" if redo else "Redo",
                           enabled=bool(redo))

    def update_status(self) -> None:
        session = self.session
        parts = []
        if session.image_index is not None:
            view = self.views.view_under_mouse()
            voxel = view.voxel_under_mouse() if view is not None else None
            if voxel is not None:
                image = session.image_entry.image
                value = image.array[(session.time_step, *voxel)]
                z, y, x = voxel
                world = image.geometry.index_to_world([x, y, z])
                parts.append(f"voxel ({x}, {y}, {z})  world ({world[0]:.1f}, {world[1]:.1f}, "
                             f"{world[2]:.1f}) mm  value {value:g}")
                if session.segmentation_index is not None:
                    parts.append(self._label_names_at(voxel))
            if session.image_entry.image.time_steps > 1:
                parts.append(f"time step {session.time_step + 1}/"
                             f"{session.image_entry.image.time_steps}")
            if session.segmentation_index is not None:
                history = session.document.history
                parts.append(f"undo: {history.undo_depth} step(s), "
                             f"{history.nbytes / 1024:.1f} KB")
        dpg.set_value("status_bar", "   |   ".join(parts) or "Open an image to begin.")

    def _label_names_at(self, voxel: tuple[int, int, int]) -> str:
        seg = self.session.segmentation
        t = seg.stored_time_index(self.session.time_step)
        names = []
        for group in seg.groups:
            value = int(group.array[(t, *voxel)])
            if value:
                names.append(seg.label(value).name if seg.has_label(value) else str(value))
        return "label " + (", ".join(names) if names else "none")


def run_app(paths: list[str], sample: bool = False) -> int:
    session = Session()
    window = MainWindow(session)
    image_paths = sample_paths() if sample else paths[:1]
    dpg.create_context()
    dpg.create_viewport(title=f"Demarcate {__version__}", width=1400, height=900, x_pos=0,
                        y_pos=0)
    window.build()
    # Files named on the command line are read before the first frame, in order.
    for path in image_paths:
        window.act(session.open_image, path)
    for path in paths[1:]:
        window.act(session.open_segmentation, path)
    dpg.setup_dearpygui()
    dpg.show_viewport()
    dpg.set_viewport_resize_callback(lambda: setattr(window, "panels_dirty", True))
    started = time.perf_counter()
    while dpg.is_dearpygui_running():
        window.update()
        dpg.render_dearpygui_frame()
        if started:
            print(f"first frame after {time.perf_counter() - started:.2f} s", flush=True)
            started = 0.0
    dpg.destroy_context()
    return 0

