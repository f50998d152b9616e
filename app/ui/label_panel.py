"""The label panel: groups -> labels (instances under their shared name), with a context
menu on every group and label holding each operation of the model.

The panel is rebuilt only when labels or groups were added, removed, reordered or
renamed; a change of colour, lock, visibility, opacity or the active label updates the
rows it names, and voxel edits leave the panel alone.
"""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from ..model.changes import Change
from ..model.labels import Label
from ..session import Session
from .dialogs import ask_path
from .file_kinds import PRESETS

PANEL = "label_panel"
EDITOR = "active_label_editor"
NAME_WIDTH = 220  # what the label column leaves for a name after colour, lock and show
# Popups are top-level windows, not children of the panel: they are tracked here and
# deleted with each rebuild so that menus of removed labels do not linger.
_popups: list[int | str] = []
_editor_handlers: list[int | str] = []  # the same for the active label's editor


def _when_edited(item: int | str, apply: Callable[[object], None],
                 owners: list[int | str] = _popups) -> int | str:
    """Apply the widget's value once the user has finished changing it.

    Sliders and colour fields report every intermediate value; applying each one made a
    drag or a typed "200" several undo steps (and a colour black on the way). The
    handler registry is tracked with the popups, so a rebuild deletes it.
    """
    with dpg.item_handler_registry() as handlers:
        dpg.add_item_deactivated_after_edit_handler(
            callback=lambda s, a: apply(dpg.get_value(a)))
    dpg.bind_item_handler_registry(item, handlers)
    owners.append(handlers)
    return item


def _rgb255(color: tuple[float, float, float]) -> list[int]:
    return [int(round(c * 255)) for c in color]


def _from255(rgba: list[float]) -> tuple[float, float, float]:
    # Dear PyGui hands colour-edit values back as 0..255 floats.
    return tuple(min(max(c / 255.0, 0.0), 1.0) for c in rgba[:3])


class LabelPanel:
    """The label column's contents; ``act(fn, *args)`` runs a session action and turns
    a failure into a message."""

    def __init__(self, parent: int | str, session: Session, act: Callable,
                 add_label: Callable[[], None]) -> None:
        self.parent = parent
        self.session = session
        self.act = act
        self.add_label = add_label  # asks for name and colour when the preference says so
        self._names: dict[int, str] = {}  # label names when the rows were built
        self._scroll_frames = 0

    def rebuild(self) -> None:
        session, act = self.session, self.act
        if dpg.does_item_exist(PANEL):
            dpg.delete_item(PANEL)
        while _popups:
            popup = _popups.pop()
            if dpg.does_item_exist(popup):
                dpg.delete_item(popup)
        self._names = {}
        with dpg.group(parent=self.parent, tag=PANEL):
            if not session.has_document:
                dpg.add_text("No segmentation selected.\nCreate one in the data panel.")
                return
            compact = session.preferences.compact_view
            _build_buttons(session, act, self.add_label)
            dpg.add_text("colour, locked, shown, name; right-click: more",
                         color=(150, 150, 150))
            seg = session.segmentation
            self._names = {label.value: label.name for label in seg.labels}
            for group_index, group in enumerate(seg.groups):
                node = dpg.add_tree_node(label=group.name, default_open=True,
                                         tag=f"group_{group_index}")
                _group_menu(node, session, act, group_index)
                by_name: dict[str, list[Label]] = {}
                for label in group.labels:
                    by_name.setdefault(label.name, []).append(label)
                for name, labels in by_name.items():
                    if len(labels) == 1:
                        _label_row(node, session, labels[0], act)
                        continue
                    instances = dpg.add_tree_node(label=f"{name} ({len(labels)} instances)",
                                                  parent=node, default_open=True)
                    for label in labels:
                        _label_row(instances, session, label, act)
            dpg.add_group(tag=EDITOR)
            if not compact:
                _active_label_editor(session, act)
        self._scroll_frames = 2

    def on_change(self, change: Change) -> None:
        """Update the rows a finished change names (label properties or selection)."""
        if not (change.metadata or change.structure):
            return
        seg = self.session.segmentation
        names = {label.value: label.name for label in seg.labels}
        if change.structure or names != self._names:
            self.rebuild()
            return
        for value in change.label_values:
            if seg.has_label(value):
                _update_row(seg.label(value), seg.active_label_value == value)
        if not self.session.preferences.compact_view:
            _active_label_editor(self.session, self.act)
        self._scroll_frames = 2

    def scroll_to_active_when_laid_out(self) -> None:
        """Bring the active label's row into view two frames after a rebuild (rows have
        no position before they were drawn once)."""
        if self._scroll_frames:
            self._scroll_frames -= 1
            if not self._scroll_frames:
                _show_active_label(self.session)


def _build_buttons(session: Session, act: Callable, add_label: Callable[[], None]) -> None:
    with dpg.group(horizontal=True):
        dpg.add_button(label="Add label", tag="add_label_button", callback=add_label)
        dpg.add_button(label="Add group", tag="add_group_button",
                       callback=lambda: act(session.add_group))
        dpg.add_button(label="Presets...", tag="presets_button")
        with dpg.popup(dpg.last_item(), mousebutton=dpg.mvMouseButton_Left) as popup:
            _popups.append(popup)
            dpg.add_menu_item(label="Save label set preset...", callback=lambda: ask_path(
                "Save preset", PRESETS, lambda p: act(session.save_preset, p), save=True))
            dpg.add_menu_item(label="Load label set preset...", callback=lambda: ask_path(
                "Load preset", PRESETS, lambda p: act(session.load_preset, p)))
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
                           on_enter=True, width=160, tag=f"rename_group_{index}",
                           callback=lambda s, a: act(session.rename_group, index, a))
        dpg.add_menu_item(label="Lock group", callback=lambda: act(session.set_group_locked,
                                                                   index, True))
        dpg.add_menu_item(label="Unlock group", callback=lambda: act(session.set_group_locked,
                                                                     index, False))
        dpg.add_menu_item(label="Add label to group",
                          callback=lambda: act(session.add_label, None, None, index))
        dpg.add_menu_item(label="Delete group", callback=lambda: act(session.remove_group, index))


def _update_row(label: Label, active: bool) -> None:
    value = label.value
    dpg.set_value(f"swatch_{value}", _rgb255(label.color) + [255])
    dpg.set_value(f"lock_{value}", label.locked)
    dpg.set_value(f"visible_{value}", label.visible)
    dpg.set_value(f"label_{value}", active)
    dpg.set_value(f"colour_{value}", _rgb255(label.color))
    dpg.set_value(f"opacity_{value}", label.opacity)
    dpg.configure_item(f"menu_lock_{value}", label="Unlock" if label.locked else "Lock")
    dpg.configure_item(f"menu_visible_{value}", label="Hide" if label.visible else "Show")


def _show_active_label(session: Session) -> None:
    """Scroll a long label panel so that the active label's row is in view, unless it
    is in view already: rows must not move under a pointer that just clicked one.

    Rows of labels scrolled out of view report no usable position, so the scroll
    follows the active label's place in the list instead.
    """
    if not session.has_document:
        return
    values = [label.value for label in session.segmentation.labels]
    active = session.segmentation.active_label_value
    if active not in values or len(values) < 2:
        return
    row = f"label_{active}"
    if dpg.does_item_exist(row) and dpg.get_item_state(row).get("visible"):
        return
    fraction = values.index(active) / (len(values) - 1)
    dpg.set_y_scroll("label_column", fraction * dpg.get_y_scroll_max("label_column"))


def _label_row(parent: int | str, session: Session, label: Label, act: Callable) -> None:
    value = label.value
    seg = session.segmentation
    with dpg.group(horizontal=True, parent=parent, tag=f"label_row_{value}"):
        dpg.add_color_button(default_value=_rgb255(label.color) + [255], width=18, height=18,
                             tag=f"swatch_{value}")
        # The boxes carry no text, so that the name has the row's width (their meaning
        # is in the column header and the tooltips).
        dpg.add_checkbox(default_value=label.locked, tag=f"lock_{value}",
                         callback=lambda s, a: act(session.set_label_locked, value, a))
        with dpg.tooltip(dpg.last_item()):
            dpg.add_text("Locked: tools leave its voxels alone")
        dpg.add_checkbox(default_value=label.visible, tag=f"visible_{value}",
                         callback=lambda s, a: act(session.set_label_visible, value, a))
        with dpg.tooltip(dpg.last_item()):
            dpg.add_text("Shown in the views")
        dpg.add_selectable(label=f"{label.name} [{value}]", tag=f"label_{value}",
                           default_value=seg.active_label_value == value, width=NAME_WIDTH,
                           callback=lambda: act(session.set_active_label, value))
    with dpg.popup(f"label_{value}", mousebutton=dpg.mvMouseButton_Right) as popup:
        _popups.append(popup)
        dpg.add_text(f"{label.name} [{value}]")
        dpg.add_input_text(label="name", default_value=label.name, on_enter=True, width=160,
                           tag=f"rename_{value}",
                           callback=lambda s, a: act(session.rename_label, value, a))
        _when_edited(dpg.add_color_edit(_rgb255(label.color), label="colour", no_alpha=True,
                                        width=160, tag=f"colour_{value}"),
                     lambda rgba: act(session.set_label_color, value, _from255(rgba)))
        _when_edited(dpg.add_slider_float(label="opacity", default_value=label.opacity,
                                          min_value=0.0, max_value=1.0, width=160,
                                          tag=f"opacity_{value}"),
                     lambda opacity: act(session.set_label_opacity, value, opacity))
        # Undo replaces label objects, so the toggles read the current state when used.
        dpg.add_menu_item(label="Unlock" if label.locked else "Lock", tag=f"menu_lock_{value}",
                          callback=lambda: act(session.set_label_locked, value,
                                               not session.segmentation.label(value).locked))
        dpg.add_menu_item(label="Hide" if label.visible else "Show",
                          tag=f"menu_visible_{value}",
                          callback=lambda: act(session.set_label_visible, value,
                                               not session.segmentation.label(value).visible))
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
    """(Re)fill the editor of the active label under the rows."""
    dpg.delete_item(EDITOR, children_only=True)
    while _editor_handlers:
        dpg.delete_item(_editor_handlers.pop())
    active = session.segmentation.active_label()
    if active is None:
        return
    value = active.value
    dpg.add_separator(parent=EDITOR)
    dpg.add_text(f"Active label [{value}]  (right-click a label for more)", parent=EDITOR)
    dpg.add_input_text(default_value=active.name, tag="rename_input", on_enter=True,
                       width=200, hint="name, Enter to apply", parent=EDITOR,
                       callback=lambda s, a: act(session.rename_label, value, a))
    completions = session.document.naming.complete("")[:12]
    if completions:
        dpg.add_combo(completions, label="suggested", width=200, tag="suggestion_combo",
                      parent=EDITOR,
                      callback=lambda s, a: act(session.rename_label, value, a))
    _when_edited(dpg.add_slider_float(label="opacity", default_value=active.opacity,
                                      min_value=0, max_value=1, width=200, parent=EDITOR),
                 lambda opacity: act(session.set_label_opacity, value, opacity),
                 _editor_handlers)
