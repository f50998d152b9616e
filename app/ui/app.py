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

import dearpygui.dearpygui as dpg

from .. import __version__
from ..model.session import Session
from ..render.slices import SliceAxis
from . import keys
from .data_panel import build_data_panel
from .dialogs import IMAGE_EXTENSIONS, SEGMENTATION_EXTENSIONS, ask_path, show_error
from .label_panel import build_label_panel
from .slice_view import SliceView

# Set by the real-window tests: after each panel rebuild the window writes the screen
# rectangles of its tagged widgets there, so tests click on widgets, not on guesses.
LAYOUT_FILE_ENV = "DEMARCATE_LAYOUT_FILE"
SIDE_WIDTH = 270
LABEL_WIDTH = 340


def sample_paths() -> list[str]:
    """The bundled sample CT (shipped inside the package, so it works offline)."""
    folder = resources.files("demarcate.assets.samples")
    return [str(folder / "example_ct_sm.nii.gz")]


class MainWindow:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.view: SliceView | None = None
        self.panels_dirty = True
        self.view_dirty = True
        self.layout_file = os.environ.get(LAYOUT_FILE_ENV)
        self.layout_pending = False

    # --- actions -----------------------------------------------------------------------
    def act(self, action: Callable, *args) -> object:
        """Run a session action; show errors in a dialog, never crash; then redraw."""
        try:
            result = action(*args)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            traceback.print_exc()
            show_error(str(error) or type(error).__name__)
            result = None
        self.panels_dirty = self.view_dirty = True
        return result

    def open_image(self, path: str) -> None:
        if self.act(self.session.open_image, path) is not None and self.view is not None:
            self.view.on_image_changed()
            self.fit_view()

    def open_segmentation(self, path: str) -> None:
        self.act(self.session.open_segmentation, path)

    def save(self) -> None:
        if self.session.document.path is None:
            self.save_as()
        else:
            self.act(self.session.save_segmentation)

    def save_as(self) -> None:
        ask_path("Save segmentation as", SEGMENTATION_EXTENSIONS,
                 lambda path: self.act(self.session.save_segmentation, path))

    def commands(self) -> dict[str, Callable]:
        return {
            "open_image": lambda: ask_path("Open image", IMAGE_EXTENSIONS, self.open_image),
            "open_segmentation": lambda: ask_path("Open segmentation", SEGMENTATION_EXTENSIONS,
                                                  self.open_segmentation),
            "save": self.save,
            "save_as": self.save_as,
            "undo": lambda: self.act(self.session.undo),
            "redo": lambda: self.act(self.session.redo),
            "new_segmentation": lambda: self.act(self.session.new_segmentation),
            "add_label": lambda: self.act(self.session.add_label),
            "open": lambda: ask_path("Open image", IMAGE_EXTENSIONS, self.open_image),
            "next_slice": lambda: self.step_slice(1),
            "previous_slice": lambda: self.step_slice(-1),
            "next_slice_fast": lambda: self.step_slice(10),
            "previous_slice_fast": lambda: self.step_slice(-10),
        }

    def step_slice(self, delta: int) -> None:
        if self.view is not None and self.session.image_index is not None:
            self.view.step(delta)
            self.view_dirty = True

    # --- input -------------------------------------------------------------------------
    def on_key(self, _sender, key_code) -> None:
        if dpg.does_item_exist("rename_input") and dpg.is_item_active("rename_input"):
            return  # typing a name, not a shortcut
        ctrl = dpg.is_key_down(dpg.mvKey_LControl) or dpg.is_key_down(dpg.mvKey_RControl)
        shift = dpg.is_key_down(dpg.mvKey_LShift) or dpg.is_key_down(dpg.mvKey_RShift)
        names = {getattr(dpg, f"mvKey_{b.key}"): b.key for b in keys.BINDINGS}
        binding = keys.find_binding(names.get(key_code, ""), ctrl, shift)
        if binding is not None:
            handler = self.commands().get(binding.action)
            if handler is not None:
                handler()

    def on_wheel(self, _sender, delta) -> None:
        if self.view is not None and self.view.voxel_under_mouse() is not None:
            self.step_slice(1 if delta > 0 else -1)

    # --- layout ------------------------------------------------------------------------
    def build(self) -> None:
        commands = self.commands()
        with dpg.window(tag="main", no_scrollbar=True):
            with dpg.menu_bar():
                with dpg.menu(label="File"):
                    dpg.add_menu_item(label="Open image...", shortcut="Ctrl+O",
                                      callback=commands["open_image"])
                    dpg.add_menu_item(label="Open segmentation...",
                                      callback=commands["open_segmentation"])
                    dpg.add_menu_item(label="Save segmentation", shortcut="Ctrl+S",
                                      callback=commands["save"])
                    dpg.add_menu_item(label="Save segmentation as...", callback=self.save_as)
                    dpg.add_menu_item(label="Quit", callback=dpg.stop_dearpygui)
                with dpg.menu(label="Edit"):
                    dpg.add_menu_item(label="Undo", shortcut="Ctrl+Z", tag="menu_undo",
                                      callback=commands["undo"])
                    dpg.add_menu_item(label="Redo", shortcut="Ctrl+Y", tag="menu_redo",
                                      callback=commands["redo"])
                with dpg.menu(label="Help"):
                    dpg.add_menu_item(label="Shortcuts", callback=self.show_shortcuts)
            with dpg.group(horizontal=True):
                with dpg.child_window(width=SIDE_WIDTH, height=-28, tag="data_column"):
                    dpg.add_text("Data")
                with dpg.child_window(width=-LABEL_WIDTH, height=-28, tag="view_column",
                                      no_scrollbar=True):
                    dpg.add_text("Axial", tag="view_title")
                with dpg.child_window(width=-1, height=-28, tag="label_column"):
                    dpg.add_text("Labels")
            dpg.add_text("", tag="status_bar")
        with dpg.handler_registry():
            dpg.add_key_press_handler(callback=self.on_key)
            dpg.add_mouse_wheel_handler(callback=self.on_wheel)
        dpg.set_primary_window("main", True)
        self.view = SliceView(self.session, "view_column", SliceAxis.AXIAL)
        if self.session.image_index is not None:
            self.view.on_image_changed()

    def show_shortcuts(self) -> None:
        with dpg.window(label="Shortcuts", width=380, autosize=True):
            for binding in keys.BINDINGS:
                dpg.add_text(f"{binding.label():<16} {binding.description}")

    def fit_view(self) -> None:
        if self.view is None or self.session.image_index is None:
            return
        width = dpg.get_viewport_client_width() - SIDE_WIDTH - LABEL_WIDTH - 40
        height = dpg.get_viewport_client_height() - 110
        self.view.fit(max(width, 64), max(height, 64))

    # --- frame loop ----------------------------------------------------------------------
    def update(self) -> None:
        session = self.session
        if self.panels_dirty:
            self.panels_dirty = False
            build_data_panel("data_column", session, self.act, self.commands())
            build_label_panel("label_column", session, self.act)
            if session.image_index is not None and self.view is not None:
                self.view.on_image_changed()
                self.fit_view()
            self.update_menu()
            self.layout_pending = True
        elif self.layout_pending and self.layout_file:
            # Rectangles are known one frame after the widgets were created.
            self.layout_pending = False
            self.write_layout()
        if self.view_dirty and session.image_index is not None and self.view is not None:
            self.view_dirty = False
            self.view.render()
            count = self.view.slice_count()
            left, right, top, bottom = self.view.layout.letters
            dpg.set_value("view_title", f"Axial  slice {self.view.slice_index + 1}/{count}    "
                          f"screen left {left}, right {right}, top {top}, bottom {bottom}")
            self.layout_pending = True
        self.update_status()

    def write_layout(self) -> None:
        rectangles = {}
        for item in dpg.get_all_items():
            alias = dpg.get_item_alias(item)
            if alias and dpg.is_item_shown(item) and dpg.get_item_info(item)["type"] != (
                    "mvAppItemType::mvRawTexture"):
                try:
                    x, y = dpg.get_item_rect_min(item)
                    w, h = dpg.get_item_rect_size(item)
                except (SystemError, TypeError):
                    continue
                rectangles[alias] = [x, y, w, h]
        rectangles["_title"] = dpg.get_value("view_title")
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
        if session.image_index is not None and self.view is not None:
            voxel = self.view.voxel_under_mouse()
            if voxel is not None:
                image = session.image_entry.image
                value = image.array[(session.time_step, *voxel)]
                z, y, x = voxel
                world = image.geometry.index_to_world([x, y, z])
                parts.append(f"voxel ({x}, {y}, {z})  world ({world[0]:.1f}, {world[1]:.1f}, "
                             f"{world[2]:.1f}) mm  value {value:g}")
                if session.segmentation_index is not None:
                    parts.append(self._label_names_at(voxel))
            if session.segmentation_index is not None:
                history = session.document.history
                parts.append(f"undo {history.undo_depth} steps, "
                             f"{history.nbytes / 1024:.0f} KB")
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
    dpg.create_viewport(title=f"Demarcate {__version__}", width=1400, height=900)
    window.build()
    for path in image_paths:
        window.open_image(path)
    for path in paths[1:]:
        window.open_segmentation(path)
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

