"""The label panel: groups and their labels, with lock, visibility and the active label."""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from ..model.session import Session

PANEL = "label_panel"


def _rgb255(color: tuple[float, float, float]) -> list[int]:
    return [int(round(c * 255)) for c in color]


def build_label_panel(parent: int | str, session: Session, act: Callable) -> None:
    """(Re)build the tree of groups and labels. ``act(fn, *args)`` runs a session action
    with error reporting and a redraw."""
    if dpg.does_item_exist(PANEL):
        dpg.delete_item(PANEL)
    with dpg.group(parent=parent, tag=PANEL):
        if session.image_index is None or session.segmentation_index is None:
            dpg.add_text("No segmentation selected.\nCreate one in the data panel.")
            return
        seg = session.segmentation
        with dpg.group(horizontal=True):
            dpg.add_button(label="Add label", tag="add_label_button",
                           callback=lambda: act(session.add_label))
            dpg.add_button(label="Add group", callback=lambda: act(session.add_group))
            dpg.add_button(label="Lock all", callback=lambda: act(session.set_all_locked, True))
            dpg.add_button(label="Unlock all",
                           callback=lambda: act(session.set_all_locked, False))
        for group_index, group in enumerate(seg.groups):
            with dpg.tree_node(label=group.name, default_open=True,
                               tag=f"group_{group_index}"):
                for label in group.labels:
                    _label_row(session, label, act)
        active = seg.active_label()
        if active is not None:
            dpg.add_separator()
            dpg.add_text(f"Active label [{active.value}]")
            dpg.add_input_text(default_value=active.name, tag="rename_input", on_enter=True,
                               width=200,
                               callback=lambda s, a: act(session.rename_label, active.value, a))
            dpg.add_slider_float(label="opacity", default_value=active.opacity, min_value=0,
                                 max_value=1, width=200,
                                 callback=lambda s, a: act(session.set_label_opacity,
                                                           active.value, a))
            with dpg.group(horizontal=True):
                dpg.add_button(label="New instance",
                               callback=lambda: act(session.create_instance, active.value))
                dpg.add_button(label="Clear",
                               callback=lambda: act(session.clear_label, active.value))
                dpg.add_button(label="Delete", tag="delete_label_button",
                               callback=lambda: act(session.remove_label, active.value))


def _label_row(session: Session, label, act: Callable) -> None:
    value = label.value
    seg = session.segmentation
    with dpg.group(horizontal=True, tag=f"label_row_{value}"):
        dpg.add_color_button(default_value=_rgb255(label.color) + [255], width=18, height=18)
        dpg.add_checkbox(label="lock", default_value=label.locked, tag=f"lock_{value}",
                         callback=lambda s, a: act(session.set_label_locked, value, a))
        dpg.add_checkbox(label="show", default_value=label.visible, tag=f"visible_{value}",
                         callback=lambda s, a: act(session.set_label_visible, value, a))
        dpg.add_selectable(label=f"{label.name} [{value}]", tag=f"label_{value}",
                           default_value=seg.active_label_value == value, width=180,
                           callback=lambda: act(session.set_active_label, value))
