"""The label panel: groups -> labels (instances under their shared name), with a context
menu on every group and label holding each operation of the model."""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from ..model.labels import Label
from ..model.session import Session
from .dialogs import ask_path

PANEL = "label_panel"
# Popups are top-level windows, not children of the panel: they are tracked here and
# deleted with each rebuild so that menus of removed labels do not linger.
_popups: list[int | str] = []
PRESET_EXTENSIONS = (".json", ".lsetp")


def _rgb255(color: tuple[float, float, float]) -> list[int]:
    return [int(round(c * 255)) for c in color]


def _from255(rgba: list[float]) -> tuple[float, float, float]:
    # Dear PyGui hands colour-edit values back as 0..255 floats.
    return tuple(min(max(c / 255.0, 0.0), 1.0) for c in rgba[:3])


def build_label_panel(parent: int | str, session: Session, act: Callable) -> None:
    """(Re)build the panel. ``act(fn, *args)`` runs a session action with error reporting
    and a redraw."""
    if dpg.does_item_exist(PANEL):
        dpg.delete_item(PANEL)
    while _popups:
        popup = _popups.pop()
        if dpg.does_item_exist(popup):
            dpg.delete_item(popup)
    with dpg.group(parent=parent, tag=PANEL):
        if session.image_index is None or session.segmentation_index is None:
            dpg.add_text("No segmentation selected.\nCreate one in the data panel.")
            return
        compact = session.preferences.compact_view
        _build_buttons(session, act)
        seg = session.segmentation
        for group_index, group in enumerate(seg.groups):
            node = dpg.add_tree_node(label=group.name, default_open=True,
                                     tag=f"group_{group_index}")
            _group_menu(node, session, act, group_index)
            by_name: dict[str, list[Label]] = {}
            for label in group.labels:
                by_name.setdefault(label.name, []).append(label)
            for name, labels in by_name.items():
                if len(labels) == 1:
                    _label_row(node, session, labels[0], act, compact)
                    continue
                instances = dpg.add_tree_node(label=f"{name} ({len(labels)} instances)",
                                              parent=node, default_open=True)
                for label in labels:
                    _label_row(instances, session, label, act, compact)
        if not compact:
            _active_label_editor(session, act)


def _build_buttons(session: Session, act: Callable) -> None:
    with dpg.group(horizontal=True):
        dpg.add_button(label="Add label", tag="add_label_button",
                       callback=lambda: act(session.add_label))
        dpg.add_button(label="Add group", tag="add_group_button",
                       callback=lambda: act(session.add_group))
        dpg.add_button(label="Presets...", tag="presets_button")
        with dpg.popup(dpg.last_item(), mousebutton=dpg.mvMouseButton_Left) as popup:
            _popups.append(popup)
            dpg.add_menu_item(label="Save label set preset...", callback=lambda: ask_path(
                "Save preset", PRESET_EXTENSIONS, lambda p: act(session.save_preset, p)))
            dpg.add_menu_item(label="Load label set preset...", callback=lambda: ask_path(
                "Load preset", PRESET_EXTENSIONS, lambda p: act(session.load_preset, p)))
    with dpg.group(horizontal=True):
        dpg.add_button(label="Lock all", tag="lock_all_button",
                       callback=lambda: act(session.set_all_locked, True))
        dpg.add_button(label="Unlock all", callback=lambda: act(session.set_all_locked, False))
        dpg.add_button(label="Show all", callback=lambda: act(session.set_all_visible, True))
        dpg.add_button(label="Hide all", tag="hide_all_button",
                       callback=lambda: act(session.set_all_visible, False))
    dpg.add_checkbox(label="lock unlabeled voxels", tag="unlabeled_lock",
                     default_value=session.segmentation.unlabeled_locked,
                     callback=lambda s, a: act(session.set_unlabeled_locked, a))


def _group_menu(node: int | str, session: Session, act: Callable, index: int) -> None:
    with dpg.popup(node, mousebutton=dpg.mvMouseButton_Right) as popup:
        _popups.append(popup)
        dpg.add_input_text(label="name", default_value=session.segmentation.groups[index].name,
                           on_enter=True, width=160,
                           callback=lambda s, a: act(session.rename_group, index, a))
        dpg.add_menu_item(label="Lock group", callback=lambda: act(session.set_group_locked,
                                                                   index, True))
        dpg.add_menu_item(label="Unlock group", callback=lambda: act(session.set_group_locked,
                                                                     index, False))
        dpg.add_menu_item(label="Add label to group",
                          callback=lambda: act(session.add_label, None, None, index))
        dpg.add_menu_item(label="Delete group", callback=lambda: act(session.remove_group, index))


def _label_row(parent: int | str, session: Session, label: Label, act: Callable,
               compact: bool) -> None:
    value = label.value
    seg = session.segmentation
    with dpg.group(horizontal=True, parent=parent, tag=f"label_row_{value}"):
        dpg.add_color_button(default_value=_rgb255(label.color) + [255], width=18, height=18,
                             tag=f"swatch_{value}")
        dpg.add_checkbox(label="" if compact else "lock", default_value=label.locked,
                         tag=f"lock_{value}",
                         callback=lambda s, a: act(session.set_label_locked, value, a))
        dpg.add_checkbox(label="" if compact else "show", default_value=label.visible,
                         tag=f"visible_{value}",
                         callback=lambda s, a: act(session.set_label_visible, value, a))
        dpg.add_selectable(label=f"{label.name} [{value}]", tag=f"label_{value}",
                           default_value=seg.active_label_value == value, width=170,
                           callback=lambda: act(session.set_active_label, value))
    with dpg.popup(f"label_{value}", mousebutton=dpg.mvMouseButton_Right) as popup:
        _popups.append(popup)
        dpg.add_text(f"{label.name} [{value}]")
        dpg.add_input_text(label="name", default_value=label.name, on_enter=True, width=160,
                           tag=f"rename_{value}",
                           callback=lambda s, a: act(session.rename_label, value, a))
        dpg.add_color_edit(_rgb255(label.color), label="colour", no_alpha=True, width=160,
                           callback=lambda s, a: act(session.set_label_color, value,
                                                     _from255(a)))
        dpg.add_slider_float(label="opacity", default_value=label.opacity, min_value=0.0,
                             max_value=1.0, width=160,
                             callback=lambda s, a: act(session.set_label_opacity, value, a))
        dpg.add_menu_item(label="Unlock" if label.locked else "Lock",
                          callback=lambda: act(session.set_label_locked, value,
                                               not label.locked))
        dpg.add_menu_item(label="Hide" if label.visible else "Show",
                          callback=lambda: act(session.set_label_visible, value,
                                               not label.visible))
        dpg.add_menu_item(label="New instance", tag=f"instance_{value}",
                          callback=lambda: act(session.create_instance, value))
        with dpg.menu(label="Merge into"):
            for other in seg.labels:
                if other.value != value:
                    dpg.add_menu_item(label=f"{other.name} [{other.value}]",
                                      callback=lambda s, a, u: act(session.merge_labels, u,
                                                                   [value]),
                                      user_data=other.value)
        dpg.add_menu_item(label="Clear content", tag=f"clear_{value}",
                          callback=lambda: act(session.clear_label, value))
        dpg.add_menu_item(label="Delete", tag=f"delete_{value}",
                          callback=lambda: act(session.remove_label, value))


def _active_label_editor(session: Session, act: Callable) -> None:
    active = session.segmentation.active_label()
    if active is None:
        return
    dpg.add_separator()
    dpg.add_text(f"Active label [{active.value}]  (right-click a label for more)")
    dpg.add_input_text(default_value=active.name, tag="rename_input", on_enter=True,
                       width=200, hint="name, Enter to apply",
                       callback=lambda s, a: act(session.rename_label, active.value, a))
    completions = session.document.naming.complete("")[:12]
    if completions:
        dpg.add_combo(completions, label="suggested", width=200, tag="suggestion_combo",
                      callback=lambda s, a: act(session.rename_label, active.value, a))
    dpg.add_slider_float(label="opacity", default_value=active.opacity, min_value=0,
                         max_value=1, width=200,
                         callback=lambda s, a: act(session.set_label_opacity, active.value, a))
