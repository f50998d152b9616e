"""The tool panel: a button per 2D tool (tooltip with its shortcut) and tool options."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import dearpygui.dearpygui as dpg
import numpy as np
import SimpleITK as sitk

from ..model.session import Session
from ..tools.controller import TOOLS

PANEL = "tool_panel"
ACTIVE_THEME = "active_tool_theme"


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
    with dpg.group(parent=parent, tag=PANEL):
        dpg.add_separator()
        active = next((t for t in TOOLS if t.name == tools.active_tool), None)
        dpg.add_text("2D tools: " + (f"{active.name.replace('_', ' ')} ({active.key})"
                                     if active else "none (Esc)"), tag="active_tool_text")
        for row_start in range(0, len(TOOLS), 5):
            with dpg.group(horizontal=True):
                for tool in TOOLS[row_start : row_start + 5]:
                    button = dpg.add_image_button(_icon_texture(tool.name),
                                                  tag=f"tool_{tool.name}", width=32,
                                                  height=32, callback=lambda s, a, u: select(u),
                                                  user_data=tool.name)
                    with dpg.tooltip(button):
                        dpg.add_text(f"{tool.description}\nShortcut: {tool.key}"
                                     + ("\nCtrl inverts while drawing"
                                        if tool.name in ("add", "subtract", "paint", "wipe")
                                        else ""))
                    if tools.active_tool == tool.name:
                        dpg.bind_item_theme(button, ACTIVE_THEME)
        if tools.active_tool == "lasso":
            dpg.add_radio_button(["add", "subtract"], horizontal=True, tag="lasso_mode",
                                 default_value="subtract" if tools.lasso_subtract else "add",
                                 callback=lambda s, a: act(setattr, tools, "lasso_subtract",
                                                           a == "subtract"))
        if tools.active_tool in ("lasso", "live_wire"):
            dpg.add_checkbox(label="confirm when closed", tag="lasso_auto_confirm",
                             default_value=tools.auto_confirm,
                             callback=lambda s, a: act(setattr, tools, "auto_confirm", a))
            if not tools.auto_confirm:
                dpg.add_button(label="Confirm contour", tag="lasso_confirm",
                               callback=lambda: act(tools.confirm, session.document))
        interpolator = session.interpolator
        dpg.add_checkbox(label="2D interpolation", tag="interpolation_enabled",
                         default_value=interpolator.enabled,
                         callback=lambda s, a: act(session.set_interpolation, a))
        if interpolator.enabled:
            pending = interpolator.slice_indices
            dpg.add_text(f"{len(pending)} suggested slice(s) in the "
                         f"{('axial', 'coronal', 'sagittal')[interpolator.axis]} view",
                         tag="interpolation_status")
            with dpg.group(horizontal=True):
                dpg.add_button(label="Confirm this slice", tag="confirm_slice",
                               callback=lambda: act(session.confirm_interpolation,
                                                    session.cursor_zyx[interpolator.axis]))
                dpg.add_button(label="Confirm all", tag="confirm_all",
                               callback=lambda: act(session.confirm_interpolation))
        if tools.active_tool in ("paint", "wipe"):
            dpg.add_slider_float(label="brush radius (px)  [ ]", tag="brush_radius",
                                 default_value=tools.brush_radius, min_value=1,
                                 max_value=60, width=200,
                                 callback=lambda s, a: act(tools.set_brush_radius, a))
