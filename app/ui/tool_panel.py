"""The tool panel: a tab per tool set (2D, 3D) with a button per registered tool
(tooltip with its shortcut), the active 2D tool's declared options and the
interpolation controls (Disabled, 2D suggestions, 3D shape from contours); the 3D
tab's options live in volume_panel.

Nothing here knows a particular tool: buttons come from the registry, option widgets
from the options a tool declares (bool: checkbox, str: radio buttons, number: slider).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import dearpygui.dearpygui as dpg
import numpy as np
import SimpleITK as sitk

from ..session import Session
from ..session.contour_actions import INTERPOLATION_MODES
from ..tools.base import Option
from ..tools.registry import TOOL_INFOS
from .volume_panel import VolumePanel

PANEL = "tool_panel"
TABS = "tool_tabs"
TABS_SHOWN = ("2D", "3D")
#: Height of the tool column under the labels per tab: the 3D tab holds a histogram
#: and a list of regions, so the labels give it room while it is in front.
TOOL_HEIGHTS = {"2D": 300, "3D": 540}
STATUS_ROW = 28
ACTIVE_THEME = "active_tool_theme"
BUTTONS_PER_ROW = 5


def _ensure_theme() -> None:
    if dpg.does_item_exist(ACTIVE_THEME):
        return
    with dpg.theme(tag=ACTIVE_THEME), dpg.theme_component(dpg.mvImageButton):
        dpg.add_theme_color(dpg.mvThemeCol_Button, (40, 110, 200))


def _icon_texture(name: str) -> str:
    """A static texture for the tool's icon (assets/icons), loaded once."""
    tag = f"icon_{name}"
    if not dpg.does_item_exist(tag):
        path = resources.files("demarcate.assets.icons") / f"{name}.png"
        pixels = sitk.GetArrayFromImage(sitk.ReadImage(str(path))).astype(np.float32) / 255.0
        height, width = pixels.shape[:2]
        with dpg.texture_registry():
            dpg.add_static_texture(width, height, pixels.ravel(), tag=tag)
    return tag


class ToolPanel:
    """The tool column: a "2D tools" and a "3D tools" tab, each with a button per tool
    of its tab. The 2D tab shows the active 2D tool's options and interpolation; the 3D
    tab the armed 3D tool (VolumePanel). The tab of a newly selected tool comes to the
    front; otherwise the tab the user chose stays."""

    def __init__(self, parent: int | str, session: Session,
                 select: Callable[[str | None], None], act: Callable,
                 above: int | str | None = None) -> None:
        self.parent = parent
        self.above = above  # the child window above the tool column (labels)
        self.session = session
        self.select = select
        self.act = act
        self.volume_panel = VolumePanel(session, act)
        self._shown_active: str | None = None

    def build(self) -> None:
        _ensure_theme()
        if not dpg.does_item_exist(TABS):
            with dpg.tab_bar(parent=self.parent, tag=TABS,
                             callback=lambda s, tab: self._fit_height(tab)):
                for tab in TABS_SHOWN:
                    dpg.add_tab(label=f"{tab} tools", tag=f"tab_{tab}")
            self.volume_panel.forget()
        session = self.session
        active = session.tools.active
        for tab in TABS_SHOWN:
            self._buttons(tab, active)
        if dpg.does_item_exist(PANEL):
            dpg.delete_item(PANEL)
        with dpg.group(parent="tab_2D", tag=PANEL):
            if active is not None and active.info.tab == "2D":
                dpg.add_text(f"{active.info.title} ({active.info.key})",
                             tag="active_tool_text")
                for spec in active.option_specs:
                    _option_widget(session, self.act, spec, active.options[spec.name])
                if session.has_document and session.tools.feedback().confirmable:
                    dpg.add_button(label="Confirm contour", tag="tool_confirm",
                                   callback=lambda: self.act(session.confirm_tool))
            else:
                dpg.add_text("2D tools: none (Esc)", tag="active_tool_text")
            _interpolation_controls(session, self.act)
        self.volume_panel.sync("tab_3D")
        name = active.info.name if active is not None else None
        if name != self._shown_active and active is not None:
            dpg.set_value(TABS, f"tab_{active.info.tab}")
            self._fit_height(f"tab_{active.info.tab}")
        self._shown_active = name

    def update(self) -> None:
        """Per frame: what changes without an event (an AI run's progress)."""
        self.volume_panel.update()

    def _fit_height(self, tab: int | str) -> None:
        if self.above is None:
            return
        shown = dpg.get_item_alias(tab) if isinstance(tab, int) else tab
        height = TOOL_HEIGHTS["3D" if shown == "tab_3D" else "2D"]
        dpg.configure_item(self.above, height=-(STATUS_ROW + height))

    def _buttons(self, tab: str, active) -> None:
        """The row of tool buttons of ``tab`` (rebuilt: the active one is highlighted)."""
        tag = f"tool_buttons_{tab}"
        if dpg.does_item_exist(tag):
            dpg.delete_item(tag)
        infos = [info for info in TOOL_INFOS if info.tab == tab]
        first = dpg.get_item_children(f"tab_{tab}", 1)
        with dpg.group(parent=f"tab_{tab}", tag=tag, before=first[0] if first else 0):
            for row_start in range(0, len(infos), BUTTONS_PER_ROW):
                with dpg.group(horizontal=True):
                    for info in infos[row_start : row_start + BUTTONS_PER_ROW]:
                        self._button(info, active)

    def _button(self, info, active) -> None:
        button = dpg.add_image_button(_icon_texture(info.name), tag=f"tool_{info.name}",
                                      width=32, height=32,
                                      callback=lambda s, a, u: self.select(u),
                                      user_data=info.name)
        with dpg.tooltip(button):
            dpg.add_text(f"{info.title}: {info.description.split(': ', 1)[-1]}\n"
                         f"Shortcut: {info.key}"
                         + ("\nCtrl inverts while drawing" if info.inverts_with_ctrl else ""))
        if (active is not None and active.info is info) or (
                self.session.armed_tool is not None and self.session.armed_tool.info is info):
            dpg.bind_item_theme(button, ACTIVE_THEME)


def _option_widget(session: Session, act: Callable, spec: Option, value) -> None:
    """The widget for one declared option; tagged ``option_<name>`` for tests."""
    tag = f"option_{spec.name}"

    def apply(_sender, new_value) -> None:
        act(session.set_tool_option, spec.name, new_value)

    if isinstance(spec.default, bool):
        dpg.add_checkbox(label=spec.label, tag=tag, default_value=value, callback=apply)
    elif isinstance(spec.default, str):
        dpg.add_radio_button(list(spec.choices), horizontal=True, tag=tag,
                             default_value=value, callback=apply)
    elif isinstance(spec.default, int):
        dpg.add_slider_int(label=spec.label, tag=tag, default_value=value, width=200,
                           min_value=int(spec.minimum), max_value=int(spec.maximum),
                           callback=apply)
    else:
        dpg.add_slider_float(label=spec.label, tag=tag, default_value=value, width=200,
                             min_value=spec.minimum, max_value=spec.maximum, callback=apply)


def _interpolation_controls(session: Session, act: Callable) -> None:
    """MITK's interpolation choice (Disabled, 2D, 3D) and the chosen one's controls."""
    mode = session.interpolation_mode
    with dpg.group(horizontal=True):
        dpg.add_text("Interpolation")
        for choice in INTERPOLATION_MODES:
            dpg.add_selectable(label=choice, tag=f"interpolation_mode_{choice}",
                               width=64, default_value=choice == mode, user_data=choice,
                               callback=lambda s, a, u: act(session.set_interpolation_mode, u))
    if mode == "2D":
        _slice_interpolation_controls(session, act)
    elif mode == "3D":
        _contour_interpolation_controls(session, act)


def _slice_interpolation_controls(session: Session, act: Callable) -> None:
    interpolator = session.interpolator
    pending = interpolator.slice_indices
    view = ("axial", "coronal", "sagittal")[interpolator.axis]
    dpg.add_text(f"{len(pending)} suggested slice(s) in the {view} view",
                 tag="interpolation_status")
    with dpg.group(horizontal=True):
        dpg.add_button(label="Confirm this slice", tag="confirm_slice",
                       callback=lambda: act(session.confirm_interpolation,
                                            session.cursor_zyx[interpolator.axis]))
        dpg.add_button(label="Confirm all", tag="confirm_all",
                       callback=lambda: act(session.confirm_interpolation))


def _contour_interpolation_status(session: Session) -> str:
    count = len(session.interpolation_contours)
    if count < 2:
        state = "draw contours in any view (from the second one on, a shape follows)"
    elif session.interpolation_3d_pending:
        state = "computing the exact shape" if session.interpolation_3d_preview else (
            "computing")
    else:
        state = "shape ready" if session.interpolation_3d_preview else "no shape"
    return f"{count} contour(s): {state}"


def _contour_interpolation_controls(session: Session, act: Callable) -> None:
    """The 3D interpolation: status, the contours (click: go to its slice; x: remove),
    Confirm and Reinit."""
    dpg.add_checkbox(label="Use the image", tag="interpolation_3d_image",
                     default_value=session.interpolation_3d_uses_image,
                     callback=lambda s, a: act(session.set_interpolation_3d_uses_image, a))
    dpg.add_text(_contour_interpolation_status(session), tag="interpolation_3d_status",
                 wrap=280)
    if session.interpolation_3d_note:
        dpg.add_text(session.interpolation_3d_note, tag="interpolation_3d_note", wrap=280,
                     color=(255, 200, 80))
    for number, contour in enumerate(session.interpolation_contours):
        view = ("Axial", "Coronal", "Sagittal")[contour.axis]
        with dpg.group(horizontal=True):
            dpg.add_button(label="x", tag=f"contour_remove_{number}", user_data=number,
                           callback=lambda s, a, u: act(session.remove_contour, u))
            dpg.add_selectable(label=f"{view} slice {contour.index + 1}",
                               tag=f"contour_{number}", user_data=number, width=200,
                               callback=lambda s, a, u: act(session.go_to_contour, u))
    with dpg.group(horizontal=True):
        dpg.add_button(label="Confirm", tag="interpolation_3d_confirm",
                       enabled=session.interpolation_3d_preview is not None,
                       callback=lambda: act(session.confirm_3d_interpolation))
        dpg.add_button(label="Reinit", tag="interpolation_3d_reinit",
                       callback=lambda: act(session.reinit_contours))
