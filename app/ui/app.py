"""The Demarcate window: data manager, slice views, label and tool panels, status bar.

Callbacks only call session methods (through ``act``, which turns failures into a
message); what to redraw comes from the events the session announces, so an idle frame
does no Python work beyond polling the job runner, and an edit recomposites only the
views whose slice it touched.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from importlib import resources

import dearpygui.dearpygui as dpg
import moderngl

from .. import __version__
from ..model.document import SegmentationDocument
from ..render.windowing import AUTO, window_presets
from ..session import Job, JobState, Session, SessionEvent, Topic
from ..session.recent_files import recent_files
from . import keys
from .data_panel import build_data_panel, modified_marks
from .dialogs import ask_path, show_error
from .file_kinds import IMAGES, SEGMENTATIONS
from .frame_pacing import FramePacer, glfw_waker
from .jobs_panel import JobsPanel
from .label_panel import LabelPanel
from .layout_probe import LayoutProbe
from .new_label_dialog import ask_new_label
from .next_frame import run_pending
from .preferences_dialog import show_preferences
from .safety_dialogs import ask_unsaved, offer_restore
from .save_dialog import show_save_as, suggested_path
from .statistics_panel import StatisticsPanel
from .tool_panel import STATUS_ROW, TOOL_HEIGHTS, ToolPanel
from .view_3d import NOT_STARTED, open_scene_context
from .views import BIG, GRID, SINGLE, ViewArea

SIDE_WIDTH = 270
LABEL_WIDTH = 340


def sample_paths() -> list[str]:
    """The bundled sample CT and its TotalSegmentator label map (shipped inside the
    package, so they work offline)."""
    folder = resources.files("demarcate.assets.samples")
    return [str(folder / "example_ct_sm.nii.gz"), str(folder / "example_seg.nii.gz")]


class MainWindow:
    def __init__(self, session: Session, gl_context: moderngl.Context | None = None,
                 no_3d: str = NOT_STARTED) -> None:
        self.session = session
        self._gl_context, self._no_3d = gl_context, no_3d  # for the 3D view
        self.views: ViewArea | None = None
        self.labels: LabelPanel | None = None
        self.jobs: JobsPanel | None = None
        self.tool_panel: ToolPanel | None = None
        self.probe = LayoutProbe.from_environment(session)
        self.statistics = StatisticsPanel(session, self.act)
        # What the next frame must redraw, set by session events.
        self.side_panels_dirty = True  # data panel, label panel, tool panel
        self.data_panel_dirty = False  # only the data panel (an unsaved mark came or went)
        self.tool_panel_dirty = False
        self._marks: list[bool] = []
        self.menu_dirty = True
        self.status_dirty = True
        self._mouse = (-1.0, -1.0)
        # Key events seen so far, as [presses, releases] (the tests' probe waits on them).
        self.key_events = [0, 0]
        self.pacer = FramePacer(can_wait=False)
        self.waker: Callable[[], None] | None = None  # wakes a frame waiting for input
        self._wake_timer: threading.Timer | None = None
        self._after_jobs: list[tuple[Job, Callable[[], None]]] = []  # then, once landed
        self.wait_for_input = False  # the next frame may wait for an input event
        session.events.connect(self.on_event)

    # --- actions -----------------------------------------------------------------------
    def act(self, action: Callable, *args) -> object:
        """Run a session action; show errors in a dialog, never crash."""
        try:
            return action(*args)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            traceback.print_exc()
            show_error(str(error) or type(error).__name__)
            return None

    def on_event(self, event: SessionEvent) -> None:
        """Turn what the session announces into what the next frame redraws."""
        self.pacer.activity()
        topic = event.topic
        views = self.views
        if topic in (Topic.IMAGES, Topic.SELECTION, Topic.SEGMENTATIONS, Topic.PREFERENCES):
            self.side_panels_dirty = True
            if views is not None:
                views.image_changed()
        elif topic is Topic.DOCUMENT:
            self._on_document_event(event)
        elif topic is Topic.CURSOR and views is not None:
            views.cursor_moved()
        elif topic in (Topic.TIME_STEP, Topic.WINDOW) and views is not None:
            views.invalidate_all()
        elif topic is Topic.TOOL:
            self.tool_panel_dirty = True
            if views is not None:
                views.tool_feedback_changed()
        elif topic is Topic.TOOL_FEEDBACK and views is not None:
            views.tool_feedback_changed()
            self.tool_panel_dirty = self.tool_panel_dirty or not self.session.tools.busy
        elif topic is Topic.INTERPOLATION:
            self.tool_panel_dirty = True
            if views is not None:
                views.invalidate_all()
        elif topic is Topic.SURFACES and views is not None:
            views.view_3d.invalidate()
        elif topic is Topic.POLYGON_MODELS:
            self.data_panel_dirty = True  # the models are listed under their segmentation
            if views is not None:
                views.view_3d.invalidate()  # and shown in the 3D view
        elif topic is Topic.ERROR:
            show_error(event.message)
        self.status_dirty = True

    def _on_document_event(self, event: SessionEvent) -> None:
        session = self.session
        if session.image_index is None or event.document not in (
                session.image_entry.segmentations):
            return
        if self.views is not None and event.document.visible:
            self.views.document_changed(event.change)
        if not event.change.final:
            return
        self.menu_dirty = True
        if self.labels is not None and session.has_document and (
                event.document is session.document):
            self.labels.on_change(event.change)
        self.data_panel_dirty = modified_marks(session) != self._marks

    def add_label(self) -> None:
        """A new label: named by the naming rule, or asked for ("ask" in preferences)."""
        session = self.session
        if not session.has_document:
            return
        if session.preferences.label_naming != "ask":
            self.act(session.add_label)
            return
        ask_new_label(session.document.naming, len(session.segmentation.labels),
                      lambda name, color: self.act(session.add_label, name, color))

    def select_tool(self, name: str | None) -> None:
        self.act(self.session.select_tool, name)

    def confirm(self) -> None:
        """Enter over a view: the armed 3D tool's preview, else a contour waiting for
        Confirm. Over the panels Enter belongs to their fields (a typed threshold ends
        with Enter, and that must not confirm it)."""
        session = self.session
        if self.views.view_under_mouse() is None:
            return
        if session.armed_tool is not None:
            self.act(session.confirm_volume_tool)
        elif session.has_document and session.tool_feedback.confirmable:
            self.act(session.confirm_tool)

    def open_image(self, path: str) -> None:
        self.act(self.session.open_image, path)

    def open_segmentation(self, path: str, round_values: bool = False) -> None:
        if self.session.image_index is None:
            show_error("Open the image first: a segmentation is shown on its image.")
            return
        self.act(lambda: self.session.open_segmentation(path, round_values=round_values))

    def save(self) -> None:
        if self.session.has_document:
            self._save(self.session.document, then=None)

    def save_as(self) -> None:
        if self.session.has_document:
            self._save_as(self.session.document, then=None)

    def _save(self, document: SegmentationDocument, then: Callable[[], None] | None) -> None:
        """Save to the document's file (asking for one if it has none, or if its format
        would drop something, which the dialog then says); ``then`` runs once the save
        has landed (not after a failure or Cancel)."""
        if document.path is None or self.session.what_saving_loses(document.path,
                                                                   document=document):
            self._save_as(document, then, initial=document.path)
            return
        self._when_landed(self.act(lambda: self.session.save_segmentation(
            document=document)), then)

    def _save_as(self, document: SegmentationDocument, then: Callable[[], None] | None,
                 initial: str | None = None) -> None:
        session = self.session
        initial = initial or suggested_path(self._image_path_of(document), document.path)
        show_save_as(
            initial,
            lambda path, version: self._when_landed(self.act(
                lambda: session.save_segmentation(path, mitk_version=version,
                                                  document=document)), then),
            mitk_version=session.default_mitk_version(document),
            losses=lambda path, version: session.what_saving_loses(path, version, document))

    def _image_path_of(self, document: SegmentationDocument) -> str | None:
        for entry in self.session.images:
            if document in entry.segmentations:
                return entry.image.source_path
        return None

    def _when_landed(self, job: Job | None, then: Callable[[], None] | None) -> None:
        if job is not None and then is not None:
            self._after_jobs.append((job, then))

    def _run_continuations(self) -> None:
        """Continue what waited for a job (a close after its save) once it landed."""
        waiting, self._after_jobs = self._after_jobs, []
        for job, then in waiting:
            if not job.finished or job in self.session.jobs.jobs:
                self._after_jobs.append((job, then))
            elif job.state is JobState.DONE:
                then()

    def _save_all_then(self, documents: list[SegmentationDocument],
                       proceed: Callable[[], None]) -> None:
        """Save each document in turn (Save as for new ones), then ``proceed``."""
        if not documents:
            proceed()
            return
        self._save(documents[0], lambda: self._save_all_then(documents[1:], proceed))

    def _unless_unsaved(self, documents: list[SegmentationDocument], what: str,
                        proceed: Callable[[bool], None]) -> None:
        """``proceed(discard)`` at once without unsaved edits, else after the user chose
        Save (then the saves must land) or Discard; Cancel does nothing."""
        unsaved = [d for d in documents if d.modified]
        if not unsaved:
            proceed(False)
            return
        ask_unsaved(unsaved, what, save=lambda: self._save_all_then(
            unsaved, lambda: proceed(False)), discard=lambda: proceed(True))

    def close_segmentation(self) -> None:
        session = self.session
        if not session.has_document:
            return
        document = session.document
        self._unless_unsaved([document], "Close", lambda discard: self.act(
            lambda: self._close_document(document, discard)))

    def _close_document(self, document: SegmentationDocument, discard: bool) -> None:
        entry = self.session.image_entry
        if document in entry.segmentations:
            self.session.close_segmentation(entry.segmentations.index(document),
                                            discard_changes=discard)

    def close_image(self) -> None:
        session = self.session
        if session.image_index is None:
            return
        entry = session.image_entry
        self._unless_unsaved(entry.segmentations, "Close image", lambda discard: self.act(
            lambda: session.close_image(session.images.index(entry),
                                        discard_changes=discard)))

    def request_quit(self) -> None:
        """File > Quit and the window's close button: ask first if work is unsaved."""
        self._unless_unsaved(self.session.unsaved_documents(), "Quit",
                             lambda discard: dpg.stop_dearpygui())

    def offer_recovered_work(self) -> None:
        """On start: bring back what a crashed run autosaved, if the user wants."""
        session = self.session
        recovered = session.recoverable_work()
        if not recovered:
            return

        def restore() -> None:
            jobs = [session.restore(document) for document in recovered]
            self._when_all_landed(jobs, lambda: session.discard_recovered(recovered))

        offer_restore(recovered, restore, lambda: session.discard_recovered(recovered))

    def _when_all_landed(self, jobs: list[Job], then: Callable[[], None]) -> None:
        if not jobs:
            then()
            return
        self._when_landed(jobs[0], lambda: self._when_all_landed(jobs[1:], then))

    def commands(self) -> dict[str, Callable]:
        session = self.session
        views = self.views
        return {
            "open": lambda: ask_path("Open image", IMAGES, self.open_image),
            "open_segmentation": lambda: ask_path("Open segmentation", SEGMENTATIONS,
                                                  self.open_segmentation),
            "save": self.save,
            "save_as": self.save_as,
            "undo": lambda: self.act(session.undo),
            "redo": lambda: self.act(session.redo),
            "new_segmentation": lambda: self.act(session.new_segmentation),
            "close_segmentation": self.close_segmentation,
            "close_image": self.close_image,
            "quit": self.request_quit,
            "shortcuts": self.show_shortcuts,
            "add_label": self.add_label,
            "next_slice": lambda: views.step_slice(None, 1),
            "previous_slice": lambda: views.step_slice(None, -1),
            "next_slice_fast": lambda: views.step_slice(None, 10),
            "previous_slice_fast": lambda: views.step_slice(None, -10),
            "next_time_step": lambda: self._if_image(session.step_time, 1),
            "previous_time_step": lambda: self._if_image(session.step_time, -1),
            "reset_view": self.reset_view,
            "layout_grid": lambda: views.set_mode(GRID),
            "layout_big": lambda: views.set_mode(BIG, self._view_name_under_mouse()),
            "layout_single": lambda: views.set_mode(SINGLE, self._view_name_under_mouse()),
            "no_tool": lambda: self.select_tool(None),
            "confirm": self.confirm,
            "delete_anchor": lambda: self.act(session.tool_key, "delete"),
            "brush_smaller": lambda: self.act(session.step_tool_option, "radius", -1),
            "brush_larger": lambda: self.act(session.step_tool_option, "radius", 1),
            "view_anterior": lambda: self._standard_view("anterior"),
            "view_posterior": lambda: self._standard_view("posterior"),
            "view_left": lambda: self._standard_view("left"),
            "view_right": lambda: self._standard_view("right"),
            "view_superior": lambda: self._standard_view("superior"),
            "view_inferior": lambda: self._standard_view("inferior"),
        }

    def _if_image(self, action: Callable, *args) -> None:
        if self.session.image_index is not None:
            self.act(action, *args)

    def _view_name_under_mouse(self) -> str | None:
        if self.views.view_3d.local_mouse() is not None:
            return self.views.view_3d.name
        view = self.views.view_under_mouse()
        return view.name if view else None

    def _standard_view(self, name: str) -> None:
        """The 3D view's standard-view keys act only while the mouse is over it."""
        if self.views.view_3d.local_mouse() is not None:
            self.views.view_3d.set_view(name)

    def reset_view(self) -> None:
        if self.session.image_index is not None:
            self.act(self.session.apply_window_preset, AUTO)
            self.views.reset()

    # --- input -------------------------------------------------------------------------
    def on_key(self, _sender, key_code) -> None:
        self.key_events[0] += 1
        if keyboard_taken():
            return
        ctrl = dpg.is_key_down(dpg.mvKey_LControl) or dpg.is_key_down(dpg.mvKey_RControl)
        shift = dpg.is_key_down(dpg.mvKey_LShift) or dpg.is_key_down(dpg.mvKey_RShift)
        binding = keys.find_binding(key_code, ctrl, shift)
        if binding is not None:
            handler = self.commands().get(binding.action)
            if handler is not None:
                handler()
            return
        tool = keys.tool_for_key(key_code) if not ctrl else None
        if tool is not None:
            self.select_tool(tool)

    def on_key_release(self) -> None:
        self.key_events[1] += 1

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
                # Labels scroll; the tools below them stay where they are.
                with dpg.group():
                    with dpg.child_window(width=-1, height=-(STATUS_ROW + TOOL_HEIGHTS["2D"]),
                                          tag="label_column"):
                        dpg.add_text("Labels")
                    dpg.add_child_window(width=-1, height=-28, tag="tool_column")
            with dpg.group(horizontal=True, tag="status_row"):
                dpg.add_text("", tag="status_bar")
        # Jobs go first in the row: their Cancel buttons must not move with the text.
        self.jobs = JobsPanel("status_row", "status_bar", self.session, self.act)
        self.labels = LabelPanel("label_column", self.session, self.act, self.add_label)
        self.views = ViewArea(self.session, "view_area", self.act, self._gl_context,
                              self._no_3d)
        self.tool_panel = ToolPanel("tool_column", self.session, self.select_tool, self.act,
                                    above="label_column")
        with dpg.handler_registry():
            dpg.add_key_press_handler(callback=self.on_key)
            # Releases do nothing here, but arrive as callbacks: the frame pacer keeps
            # drawing while Dear PyGui still hands out queued input (one step a frame).
            dpg.add_key_release_handler(callback=self.on_key_release)
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
                dpg.add_menu_item(
                    label="Open segmentation, rounding values...",
                    callback=lambda: ask_path("Open a float label map (values rounded)",
                                              SEGMENTATIONS, lambda p: self.open_segmentation(
                                                  p, round_values=True)))
                dpg.add_menu(label="Open recent", tag="menu_recent")
                dpg.add_menu_item(label="New segmentation", shortcut="Ctrl+N",
                                  callback=lambda: self.act(self.session.new_segmentation))
                dpg.add_menu_item(label="Save segmentation", shortcut="Ctrl+S",
                                  callback=self.save)
                dpg.add_menu_item(label="Save segmentation as...", callback=self.save_as)
                dpg.add_menu_item(label="Close segmentation", tag="menu_close_segmentation",
                                  callback=self.close_segmentation)
                dpg.add_menu_item(label="Quit", shortcut="Ctrl+Q", tag="menu_quit",
                                  callback=self.request_quit)
            with dpg.menu(label="Edit"):
                dpg.add_menu_item(label="Undo", shortcut="Ctrl+Z", tag="menu_undo",
                                  callback=lambda: self.act(self.session.undo))
                dpg.add_menu_item(label="Redo", shortcut="Ctrl+Y", tag="menu_redo",
                                  callback=lambda: self.act(self.session.redo))
                dpg.add_menu_item(label="Preferences...", tag="menu_preferences",
                                  callback=lambda: show_preferences(self.session, self.act))
            with dpg.menu(label="View", tag="menu_view"):
                for label, mode in (("2 x 2", GRID), ("One big, three small", BIG),
                                    ("Single view", SINGLE)):
                    dpg.add_menu_item(label=label, callback=lambda s, a, u: self.views.set_mode(u),
                                      user_data=mode)
                dpg.add_menu_item(label="Reset view", shortcut="Home", callback=self.reset_view)
                dpg.add_menu_item(label="Label statistics", tag="menu_statistics",
                                  callback=self.statistics.show)
            with dpg.menu(label="Help", tag="menu_help"):
                dpg.add_menu_item(label="Shortcuts", shortcut="F1", tag="menu_shortcuts",
                                  callback=self.show_shortcuts)

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
        if dpg.does_item_exist("shortcuts_window"):
            dpg.focus_item("shortcuts_window")
            return
        with dpg.window(label="Shortcuts", width=460, autosize=True, tag="shortcuts_window",
                        pos=(300, 60),
                        on_close=lambda: dpg.delete_item("shortcuts_window")):
            dpg.add_text("Shortcuts act on the views; while a text field or a dialog has the "
                         "keyboard, keys go there.", wrap=440, tag="shortcuts_intro")
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
        """One frame's Python work: land finished jobs, then redraw what is dirty, then
        decide whether the next frame may wait for input."""
        session = self.session
        session.poll_jobs()
        self._run_continuations()
        session.autosave()
        busy = run_pending() or bool(session.jobs.jobs) or self.side_panels_dirty or (
            self.data_panel_dirty or self.tool_panel_dirty or self.menu_dirty
            or self.status_dirty)
        if self.side_panels_dirty:
            self._rebuild_side_panels()
        if self.data_panel_dirty:
            self._rebuild_data_panel()
        if self.tool_panel_dirty:
            self.tool_panel.build()
            self.tool_panel_dirty = False
        self.tool_panel.update()
        if self.menu_dirty:
            self.update_menu()
        busy = self.views.update() or busy
        if self.jobs.update():
            self.status_dirty = True
        mouse = tuple(dpg.get_mouse_pos(local=False))
        if self.status_dirty or mouse != self._mouse:
            busy = True
            self._mouse = mouse
            self.update_status()
        self.labels.scroll_to_active_when_laid_out()
        self.wait_for_input = self.pacer.frame_done(busy)
        if self.wait_for_input:
            self._wake_for_autosave()
        self.probe.after_frame(self.views.views, self.key_events, self.wait_for_input)

    def _wake_for_autosave(self) -> None:
        """A window waiting for input still autosaves: wake it when a copy is due."""
        delay = self.session.seconds_until_autosave()
        if delay is None or self.waker is None:
            return
        if self._wake_timer is not None and self._wake_timer.is_alive():
            return
        self._wake_timer = threading.Timer(delay + 0.05, self.waker)
        self._wake_timer.daemon = True
        self._wake_timer.start()

    def _rebuild_recent_menu(self) -> None:
        """File > Open recent: images, then segmentations (of the image shown)."""
        dpg.delete_item("menu_recent", children_only=True)
        for kind, opener in (("image", self.open_image),
                             ("segmentation", self.open_segmentation)):
            for path in recent_files(kind):
                dpg.add_menu_item(label=f"{kind}: {path.name}", parent="menu_recent",
                                  callback=lambda s, a, u: u[0](u[1]),
                                  user_data=(opener, str(path)))
        if not dpg.get_item_children("menu_recent", 1):
            dpg.add_menu_item(label="(nothing opened yet)", enabled=False,
                              parent="menu_recent")

    def _rebuild_data_panel(self) -> None:
        self.data_panel_dirty = False
        build_data_panel("data_column", self.session, self.act, self.commands())
        self._marks = modified_marks(self.session)

    def _rebuild_side_panels(self) -> None:
        session = self.session
        self.side_panels_dirty = self.tool_panel_dirty = False
        self._rebuild_data_panel()
        self._rebuild_recent_menu()
        self.labels.rebuild()
        self.tool_panel.build()
        if session.image_index is not None:
            steps = session.image_entry.image.time_steps
            dpg.configure_item("time_slider", show=steps > 1, max_value=max(steps - 1, 1))
            dpg.set_value("time_slider", session.time_step)
        self.menu_dirty = True
        self.views.arrange()

    def update_menu(self) -> None:
        self.menu_dirty = False
        history = self.session.document.history if self.session.has_document else None
        undo = history.next_undo() if history else None
        redo = history.next_redo() if history else None
        dpg.configure_item("menu_undo", label=f"Undo {undo}" if undo else "Undo",
                           enabled=bool(undo))
        dpg.configure_item("menu_redo", label=f"Redo {redo}" if redo else "Redo",
                           enabled=bool(redo))

    def update_status(self) -> None:
        self.status_dirty = False
        session = self.session
        parts = []
        if session.image_index is not None:
            entry = session.image_entry
            dpg.set_value("window_values", f"L {entry.level:.0f}  W {entry.width:.0f}")
            dpg.set_value("window_preset", entry.window_name)
            view = self.views.view_under_mouse()
            voxel = view.voxel_under_mouse() if view is not None else None
            if voxel is not None:
                image = entry.image
                value = image.array[(session.time_step, *voxel)]
                z, y, x = voxel
                world = image.geometry.index_to_world([x, y, z])
                parts.append(f"voxel ({x}, {y}, {z})  world ({world[0]:.1f}, {world[1]:.1f}, "
                             f"{world[2]:.1f}) mm  value {value:g}")
                if session.segmentation_index is not None:
                    parts.append(self._label_names_at(voxel))
            if entry.image.time_steps > 1:
                parts.append(f"time step {session.time_step + 1}/{entry.image.time_steps}")
                dpg.set_value("time_slider", session.time_step)
            if session.segmentation_index is not None:
                history = session.document.history
                parts.append(f"undo: {history.undo_depth} step(s), "
                             f"{history.nbytes / 1024:.1f} KB")
            else:
                parts.append("Create or open a segmentation in the data panel to draw.")
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


#: Widgets that take typed text: while one is active, keys are text, not shortcuts.
TEXT_INPUTS = {"mvAppItemType::mvInputText", "mvAppItemType::mvInputInt",
               "mvAppItemType::mvInputFloat", "mvAppItemType::mvInputDouble",
               "mvAppItemType::mvColorEdit", "mvAppItemType::mvColorPicker",
               "mvAppItemType::mvCombo"}


def keyboard_taken() -> bool:
    """A modal dialog or a popup menu is open, or a field is being typed in: then keys
    belong to it and no shortcut may act on the views or switch tools."""
    for window in dpg.get_windows():
        config = dpg.get_item_configuration(window)
        if (config.get("modal") or config.get("popup")) and dpg.is_item_shown(window):
            return True
    return any(dpg.get_item_type(item) in TEXT_INPUTS and dpg.is_item_active(item)
               for item in dpg.get_all_items())


def _open_and_wait(session: Session, open_file: Callable, path: str) -> None:
    """Open a file named on the command line before the first frame.

    A failure was already announced (and is shown as a message); the app starts anyway.
    """
    try:
        session.jobs.wait(open_file(path))
    except Exception:  # noqa: BLE001 - reported through the session's error event
        traceback.print_exc()


def run_app(paths: list[str], sample: bool = False) -> int:
    session = Session()
    # The 3D view's GL context is made before the viewport (testing-and-ci.md).
    window = MainWindow(session, *open_scene_context())
    paths = sample_paths() if sample else paths
    image_paths = paths[:1]
    dpg.create_context()
    # Callbacks run on this thread, between frames, like everything else that touches
    # the session: Dear PyGui would otherwise call them from a thread of its own.
    dpg.configure_app(manual_callback_management=True)
    # The close button asks about unsaved work first (set_exit_callback below).
    dpg.create_viewport(title=f"Demarcate {__version__}", width=1400, height=900, x_pos=0,
                        y_pos=0, disable_close=True)
    dpg.set_exit_callback(window.request_quit)
    window.build()
    # Files named on the command line are read in order, through the same session
    # methods as File > Open.
    for path in image_paths:
        _open_and_wait(session, session.open_image, path)
    if session.image_index is not None:
        for path in paths[1:]:
            _open_and_wait(session, session.open_segmentation, path)
    waker = glfw_waker()
    session.jobs.on_finished = waker
    window.waker = waker
    window.pacer.can_wait = waker is not None
    session.start_warm_up()
    window.offer_recovered_work()
    dpg.setup_dearpygui()
    dpg.show_viewport()
    dpg.set_viewport_resize_callback(lambda: window.views.arrange())
    started = time.perf_counter()
    while dpg.is_dearpygui_running():
        window.update()
        waited = window.wait_for_input
        dpg.configure_app(wait_for_input=waited)
        dpg.render_dearpygui_frame()
        callbacks = dpg.get_callback_queue()
        if callbacks or waited:  # a frame that waited was woken by an event
            window.pacer.activity()
        dpg.run_callbacks(callbacks)
        if started:
            print(f"first frame after {time.perf_counter() - started:.2f} s", flush=True)
            started = 0.0
    session.shutdown()  # a clean end: this run's autosaved copies are not needed
    dpg.destroy_context()
    return 0
