"""The tool panel: a button per registered tool (tooltip with its shortcut), the active
tool's declared options, and the 2D interpolation controls.

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
from ..tools.base import Option
from ..tools.registry import TOOL_INFOS

PANEL = "tool_panel"
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


def build_tool_panel(parent: int | str, session: Session, select: Callable[[str | None], None],
                     act: Callable) -> None:
    _ensure_theme()
    if dpg.does_item_exist(PANEL):
        dpg.delete_item(PANEL)
    tools = session.tools
    active = tools.active
    with dpg.group(parent=parent, tag=PANEL):
        dpg.add_text("2D tools: " + (f"{active.info.title} ({active.info.key})"
                                     if active else "none (Esc)"), tag="active_tool_text")
        for row_start in range(0, len(TOOL_INFOS), BUTTONS_PER_ROW):
            with dpg.group(horizontal=True):
                for info in TOOL_INFOS[row_start : row_start + BUTTONS_PER_ROW]:
                    button = dpg.add_image_button(_icon_texture(info.name),
                                                  tag=f"tool_{info.name}", width=32,
                                                  height=32, callback=lambda s, a, u: select(u),
                                                  user_data=info.name)
                    with dpg.tooltip(button):
                        dpg.add_text(f"{info.description}\nShortcut: {info.key}"
                                     + ("\nCtrl inverts while drawing"
                                        if info.inverts_with_ctrl else ""))
                    if active is not None and active.info is info:
                        dpg.bind_item_theme(button, ACTIVE_THEME)
        if active is not None:
            for spec in active.option_specs:
                _option_widget(session, act, spec, active.options[spec.name])
            if session.has_document and tools.feedback().confirmable:
                dpg.add_button(label="Confirm contour", tag="tool_confirm",
                               callback=lambda: act(session.confirm_tool))
        _interpolation_controls(session, act)


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
    interpolator = session.interpolator
    dpg.add_checkbox(label="2D interpolation", tag="interpolation_enabled",
                     default_value=interpolator.enabled,
                     callback=lambda s, a: act(session.set_interpolation, a))
    if not interpolator.enabled:
        return
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
