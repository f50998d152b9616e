"""The Label statistics window (View > Label statistics): one row per label of the
selected segmentation at the shown time step, sortable by any column, with CSV export.

While the window is open it follows the session's events: a finished edit, another
time step or another segmentation asks the session to recount what changed, and the
rows are redrawn when the count lands (a rename redraws them at once: names need no
count). Closed, it costs nothing: no counting happens for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import dearpygui.dearpygui as dpg

from ..model.statistics import StatisticsRow
from ..session import Session, SessionEvent, Topic
from .dialogs import ask_path

WINDOW = "statistics_window"
TABLE = "statistics_table"
STATUS = "statistics_status"
#: (heading, row field, how a value is shown)
COLUMNS = (
    ("Group", "group", str),
    ("Value", "value", str),
    ("Name", "name", str),
    ("Voxels", "voxels", str),
    ("Volume (ml)", "volume_ml", "{:.3f}".format),
    ("Mean", "mean", "{:.2f}".format),
    ("SD", "sd", "{:.2f}".format),
    ("Min", "min", "{:g}".format),
    ("Max", "max", "{:g}".format),
)
REDRAW_TOPICS = (Topic.TIME_STEP, Topic.SELECTION, Topic.SEGMENTATIONS, Topic.IMAGES)


def _shown(value: object, show: Callable[[object], str]) -> str:
    return "" if isinstance(value, float) and math.isnan(value) else show(value)


def sorted_rows(rows: list[StatisticsRow], field: str, descending: bool
                ) -> list[StatisticsRow]:
    """Rows by one column (names without regard to case); the missing numbers of empty
    labels come last whichever way round."""
    def missing(row: StatisticsRow) -> bool:
        value = getattr(row, field)
        return isinstance(value, float) and math.isnan(value)

    def key(row: StatisticsRow) -> object:
        value = getattr(row, field)
        return value.casefold() if isinstance(value, str) else value

    present = sorted((row for row in rows if not missing(row)), key=key, reverse=descending)
    return present + [row for row in rows if missing(row)]


class StatisticsPanel:
    def __init__(self, session: Session, act: Callable) -> None:
        self.session = session
        self.act = act
        self._sort = ("value", False)  # field, descending
        session.events.connect(self.on_event)

    def show(self) -> None:
        if dpg.does_item_exist(WINDOW):
            dpg.focus_item(WINDOW)
            return
        with dpg.window(label="Label statistics", tag=WINDOW, width=760, height=420,
                        pos=(320, 80), on_close=lambda: dpg.delete_item(WINDOW)):
            with dpg.group(horizontal=True):
                dpg.add_button(label="Export CSV...", tag="statistics_export",
                               callback=self.export)
                dpg.add_text("", tag=STATUS)
            with dpg.table(tag=TABLE, header_row=True, sortable=True, callback=self._on_sort,
                           resizable=True, borders_innerV=True, row_background=True,
                           scrollY=True, policy=dpg.mvTable_SizingStretchProp):
                for heading, field, _ in COLUMNS:
                    dpg.add_table_column(label=heading, user_data=field,
                                         default_sort=field == self._sort[0])
        self.refresh()

    def on_event(self, event: SessionEvent) -> None:
        if not dpg.does_item_exist(WINDOW):
            return
        if event.topic is Topic.STATISTICS:
            self._draw()
        elif event.topic is Topic.DOCUMENT and event.change.final and (
                self.session.has_document and event.document is self.session.document):
            self.refresh()
        elif event.topic in REDRAW_TOPICS:
            self.refresh()

    def refresh(self) -> None:
        """Ask for a count of what changed; draw now if nothing needs one."""
        if not self.session.has_document:
            self._draw()
            return
        if self.act(self.session.update_label_statistics) is None:
            self._draw()
        else:
            dpg.set_value(STATUS, "counting...")

    def _draw(self) -> None:
        session = self.session
        rows = session.label_statistics() if session.has_document else []
        if rows is None:
            return  # a count is on its way
        dpg.set_value(STATUS, self._status(len(rows)))
        rows = sorted_rows(rows, *self._sort)
        dpg.delete_item(TABLE, children_only=True, slot=1)
        for row in rows:
            with dpg.table_row(parent=TABLE):
                for _, name, show in COLUMNS:
                    tag = f"statistics_{name}_{row.value}" if name == "name" else 0
                    dpg.add_text(_shown(getattr(row, name), show), tag=tag)

    def _status(self, count: int) -> str:
        session = self.session
        if not session.has_document:
            return "No segmentation selected."
        steps = session.image_entry.image.time_steps
        at = f" at time step {session.time_step + 1}/{steps}" if steps > 1 else ""
        return f"{count} label(s){at}"

    def _on_sort(self, _sender, sort_specs) -> None:
        if not sort_specs:
            return
        column, direction = sort_specs[0]
        self._sort = (dpg.get_item_user_data(column), direction < 0)
        self._draw()

    def export(self) -> None:
        session = self.session
        if not session.has_document:
            return
        source = session.document.path or session.image_entry.image.source_path
        initial = (str(Path(source).with_name(f"{Path(source).name.split('.')[0]}"
                                              "_statistics.csv")) if source else None)
        ask_path("Export label statistics", (".csv",),
                 lambda path: self.act(session.export_label_statistics, path),
                 save=True, initial=initial)
