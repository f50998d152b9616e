"""The preferences dialog: every preference of the session, applied and saved on OK."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import dearpygui.dearpygui as dpg

from ..model.preferences import OverlayStyle
from ..session import Session
from .dialogs import ask_path

WINDOW = "preferences_window"


def show_preferences(session: Session, act: Callable) -> None:
    if dpg.does_item_exist(WINDOW):
        dpg.delete_item(WINDOW)
    prefs = session.preferences
    with dpg.window(label="Preferences", tag=WINDOW, modal=True, width=560, autosize=True,
                    on_close=lambda: dpg.delete_item(WINDOW)):
        dpg.add_checkbox(label="Compact label panel", tag="pref_compact",
                         default_value=prefs.compact_view)
        dpg.add_radio_button([s.value for s in OverlayStyle], tag="pref_overlay",
                             default_value=prefs.overlay_style, horizontal=True)
        dpg.add_checkbox(label="Data node selection mode: show only the selected "
                         "segmentation", tag="pref_selection",
                         default_value=prefs.data_node_selection_mode)
        dpg.add_combo(["sequential", "suggestions", "ask"], label="new label names",
                      tag="pref_naming", default_value=prefs.label_naming, width=200)
        _path_row("pref_preset", "default preset", prefs.default_preset, (".json", ".lsetp"))
        _path_row("pref_suggestions", "suggestions file", prefs.suggestions_file, (".json",))
        dpg.add_checkbox(label="Suggestions replace the built-in names",
                         tag="pref_replace", default_value=prefs.suggestions_replace_builtin)
        dpg.add_checkbox(label="Only suggested names are allowed", tag="pref_only",
                         default_value=prefs.only_suggestions)
        dpg.add_input_int(label="undo memory (MB)", tag="pref_undo", min_value=1,
                          min_clamped=True, default_value=prefs.undo_budget_mb, width=200)
        with dpg.group(horizontal=True):
            dpg.add_button(label="OK", width=80, tag="pref_ok",
                           callback=lambda: _apply(session, act))
            dpg.add_button(label="Cancel", width=80, callback=lambda: dpg.delete_item(WINDOW))


def _path_row(tag: str, label: str, value: str, extensions: tuple[str, ...]) -> None:
    with dpg.group(horizontal=True):
        dpg.add_input_text(label=label, tag=tag, default_value=value, width=320)
        dpg.add_button(label="...", callback=lambda: ask_path(
            label, extensions, lambda path: dpg.set_value(tag, path),
            initial=dpg.get_value(tag) or None))


def _apply(session: Session, act: Callable) -> None:
    new = replace(
        session.preferences,
        compact_view=dpg.get_value("pref_compact"),
        overlay_style=dpg.get_value("pref_overlay"),
        data_node_selection_mode=dpg.get_value("pref_selection"),
        label_naming=dpg.get_value("pref_naming"),
        default_preset=dpg.get_value("pref_preset").strip(),
        suggestions_file=dpg.get_value("pref_suggestions").strip(),
        suggestions_replace_builtin=dpg.get_value("pref_replace"),
        only_suggestions=dpg.get_value("pref_only"),
        undo_budget_mb=int(dpg.get_value("pref_undo")),
    )
    act(session.set_preferences, new)
    if session.preferences == new:
        dpg.delete_item(WINDOW)
