"""MITK's "ask for name and colour" way of creating a label: a small dialog with the
name (completed from the suggestions while typing) and the colour.

Picking a suggestion also takes its colour, so a team's naming list keeps its colours.
"""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from ..model.labels import Color, palette_color
from ..model.naming import LabelNaming

WINDOW = "new_label_window"
MAX_COMPLETIONS = 12


def _to255(color: Color) -> list[int]:
    return [int(round(c * 255)) for c in color]


def ask_new_label(naming: LabelNaming, label_count: int,
                  create: Callable[[str, Color], None]) -> None:
    """``create(name, colour)`` on OK (or Enter in the name); Cancel creates nothing."""
    if dpg.does_item_exist(WINDOW):
        dpg.delete_item(WINDOW)

    def completions(_sender=None, typed: str = "") -> None:
        names = naming.complete(typed)[:MAX_COMPLETIONS]
        dpg.configure_item("new_label_suggestions", items=names)

    def pick(_sender, name: str) -> None:
        dpg.set_value("new_label_name", name)
        dpg.set_value("new_label_colour", _to255(naming.color_for(name, label_count)))

    def accept(*_args) -> None:
        name = dpg.get_value("new_label_name").strip()
        color = tuple(min(max(c / 255.0, 0.0), 1.0) for c in dpg.get_value("new_label_colour")[:3])
        dpg.delete_item(WINDOW)
        create(name, color)

    with dpg.window(label="New label", tag=WINDOW, modal=True, width=380, autosize=True,
                    pos=(520, 260), on_close=lambda: dpg.delete_item(WINDOW)):
        dpg.add_input_text(tag="new_label_name", hint="name (Enter to create)", width=340,
                           on_enter=True, callback=accept)
        with dpg.item_handler_registry() as typing:
            dpg.add_item_edited_handler(
                callback=lambda s, a: completions(typed=dpg.get_value(a)))
        dpg.bind_item_handler_registry("new_label_name", typing)
        dpg.add_listbox([], tag="new_label_suggestions", num_items=6, width=340,
                        callback=pick)
        dpg.add_color_edit(_to255(palette_color(label_count)), tag="new_label_colour",
                           no_alpha=True, width=340, label="")
        with dpg.group(horizontal=True):
            dpg.add_button(label="Create", tag="new_label_ok", width=100, callback=accept)
            dpg.add_button(label="Cancel", tag="new_label_cancel", width=100,
                           callback=lambda: dpg.delete_item(WINDOW))
    completions()
    dpg.focus_item("new_label_name")
