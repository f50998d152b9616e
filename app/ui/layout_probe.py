"""What the real-window tests read: where widgets are and what the session holds.

Set ``DEMARCATE_LAYOUT_FILE`` and the window writes a JSON file after its frames: the
screen rectangle of every tagged, shown widget (so tests click on widgets, not on
guesses), plus the session facts tests wait on (frame number, mouse position as the app
saw it, crosshair, undo depth, running jobs, interpolation suggestions, the 3D view's
surfaces). Tests wait on these conditions instead of sleeping, which keeps them correct
on a loaded machine.
Without the variable the probe does nothing.
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
from collections.abc import Iterable

import dearpygui.dearpygui as dpg

from ..session import Session

LAYOUT_FILE_ENV = "DEMARCATE_LAYOUT_FILE"
RECTANGLES_EVERY_FRAMES = 5  # listing every widget is the costly part


class LayoutProbe:
    def __init__(self, session: Session, path: str | None) -> None:
        self.session = session
        self.path = path
        self.frame = 0
        self._rectangles: dict[str, object] = {}

    @classmethod
    def from_environment(cls, session: Session) -> LayoutProbe:
        path = os.environ.get(LAYOUT_FILE_ENV)
        if path and hasattr(signal, "SIGUSR1"):
            # A test that times out asks for every thread's stack (on stderr).
            faulthandler.register(signal.SIGUSR1, all_threads=True)
        return cls(session, path)

    def after_frame(self, view_names: Iterable[str], key_events: list[int],
                    quiet: bool) -> None:
        """Write the file (``key_events``: key presses and releases the window has seen;
        ``quiet``: it waits for input before its next frame, so the screen is final)."""
        if not self.path:
            return
        self.frame += 1
        if quiet or self.frame % RECTANGLES_EVERY_FRAMES == 0:
            self._rectangles = self._widget_rectangles(view_names)
        if not self._rectangles:
            return
        state = dict(self._rectangles, **self._session_state(), _key_presses=key_events[0],
                     _key_releases=key_events[1], _quiet=quiet)
        temp = f"{self.path}.tmp"
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(state, handle)
        os.replace(temp, self.path)

    def _widget_rectangles(self, view_names: Iterable[str]) -> dict[str, object]:
        rectangles: dict[str, object] = {}
        for item in dpg.get_all_items():
            alias = dpg.get_item_alias(item)
            if not alias:
                continue
            state = dpg.get_item_state(item)
            # "visible": drawn in the last frame (a shown item inside a hidden pane is not).
            if state.get("visible") and "rect_min" in state and "rect_size" in state:
                rectangles[alias] = [*state["rect_min"], *state["rect_size"]]
        for name in view_names:
            rectangles[f"_title_{name}"] = dpg.get_value(f"title_{name}")
        rectangles.update(_menu_rectangles())
        return rectangles

    def _session_state(self) -> dict[str, object]:
        session = self.session
        history = session.document.history if session.has_document else None
        armed = session.armed_tool
        surfaces = session.surfaces.scene_surfaces()
        statistics = session.label_statistics() if history else None
        return {
            "_frame": self.frame,
            "_mouse": [round(v) for v in dpg.get_mouse_pos(local=False)],
            "_mouse_down": [dpg.is_mouse_button_down(b) for b in range(3)],
            "_cursor": list(session.cursor_zyx),
            "_time_step": session.time_step,
            "_undo_depth": history.undo_depth if history else None,
            "_labels": ({label.value: label.name for label in session.segmentation.labels}
                        if history else {}),
            "_next_undo": history.next_undo() if history else None,
            "_jobs": [[job.title, job.progress] for job in session.jobs.jobs],
            "_interpolation_pending": session.interpolation_pending,
            "_suggested_slices": session.interpolator.slice_indices,
            "_interpolation_mode": session.interpolation_mode,
            "_contours_3d": [[c.axis, c.index] for c in session.interpolation_contours],
            "_interpolation_3d_pending": session.interpolation_3d_pending,
            "_interpolation_3d_exact": (session.interpolation_3d_preview is not None
                                        and session.interpolation_3d_exact),
            "_active_tool": session.tools.active_tool,
            "_tool_busy": session.tools.busy,
            "_armed_tool": armed.info.name if armed is not None else None,
            "_preview_pending": session.volume_preview_pending,
            "_tool_status": armed.status if armed is not None else "",
            "_preview_regions": ([[r.number, r.voxels] for r in armed.regions]
                                 if armed is not None else []),
            "_surfaces": len(surfaces),  # label and preview surfaces the 3D view draws
            "_surface_triangles": sum(s.mesh.triangle_count for s in surfaces),
            "_surfaces_pending": session.surfaces.pending,
            "_statistics_voxels": ({row.value: row.voxels for row in statistics}
                                   if statistics is not None else None),
        }


#: The menu bar's height with Dear PyGui's default font (13 px) and frame padding (3 px).
MENU_BAR_HEIGHT = 19
MENU_ROW_HEIGHT = 17


def _menu_rectangles() -> dict[str, list[float]]:
    """Menu bar menus and their items report a position but no rectangle: a title spans
    its label on the bar, and the items of an open menu (whose size is then its popup's)
    are rows of the popup, which opens under the bar at the title's left edge."""
    rectangles: dict[str, list[float]] = {}
    for menu in dpg.get_all_items():
        parent = dpg.get_item_parent(menu)
        if (dpg.get_item_type(menu) != "mvAppItemType::mvMenu" or parent is None
                or dpg.get_item_type(parent) != "mvAppItemType::mvMenuBar"):
            continue
        x, y = dpg.get_item_state(menu)["pos"]
        alias = dpg.get_item_alias(menu)
        if alias:
            width = dpg.get_text_size(dpg.get_item_label(menu))[0] + 2 * 8
            rectangles[alias] = [x, y, width, MENU_BAR_HEIGHT]
        popup_width = dpg.get_item_state(menu).get("rect_size", [0, 0])[0]
        if popup_width <= 0:
            continue  # closed
        for item in dpg.get_item_children(menu, 1):
            alias = dpg.get_item_alias(item)
            if alias and dpg.get_item_type(item) == "mvAppItemType::mvMenuItem":
                px, py = dpg.get_item_state(item)["pos"]
                rectangles[alias] = [x + px, MENU_BAR_HEIGHT + py, popup_width - 2 * px,
                                     MENU_ROW_HEIGHT]
    return rectangles
