"""The 3D tab's lower part: the armed 3D tool's options, its histogram, its regions, its
status, and Confirm / Cancel.

Nothing here knows a particular tool: options come from the tool's declarations (with
the slider range the tool derives from the image), the histogram and the regions from
its result. Widgets are rebuilt only when the tool or its list of regions changes; a
moving slider only updates values in place, so the drag is never interrupted.
"""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg
import numpy as np

from ..session import Session
from ..tools.ai_tool import AiTool
from ..tools.base import Option
from ..tools.volume import VolumeTool
from . import ai_panel

PANEL = "volume_panel"
HISTOGRAM_HEIGHT = 110


def _structure(session: Session, tool: VolumeTool | None) -> tuple:
    """What, when it changes, needs new widgets (not new values)."""
    if tool is None:
        return (None,)
    if isinstance(tool, AiTool):
        bounds = ai_panel.structure(session, tool)
    else:
        bounds = tuple(tool.bounds(spec.name) for spec in tool.option_specs)
    has_histogram = tool.result is not None and tool.result.histogram is not None
    return (tool.info.name, bounds, tuple((r.number, r.name) for r in tool.regions),
            has_histogram)


class VolumePanel:
    """Keeps the widgets of the armed 3D tool in step with the session."""

    def __init__(self, session: Session, act: Callable) -> None:
        self.session = session
        self.act = act
        self._built: tuple | None = None

    def sync(self, parent: int | str) -> None:
        """Rebuild when the structure changed, else refresh values in place."""
        tool = self.session.armed_tool
        structure = _structure(self.session, tool)
        if structure != self._built or not dpg.does_item_exist(PANEL):
            self._build(parent, tool)
            self._built = structure
        self._refresh(tool)

    def forget(self) -> None:
        """The parent was deleted: build anew next time."""
        self._built = None

    # --- building ------------------------------------------------------------------------
    def _build(self, parent: int | str, tool: VolumeTool | None) -> None:
        if dpg.does_item_exist(PANEL):
            dpg.delete_item(PANEL)
        with dpg.group(parent=parent, tag=PANEL):
            if tool is None:
                dpg.add_text("Pick a 3D tool: its preview shows in green in all views;\n"
                             "nothing changes until Confirm.", wrap=300)
                return
            dpg.add_text(f"{tool.info.title} ({tool.info.key})", tag="volume_tool_title")
            is_ai = isinstance(tool, AiTool)
            if is_ai:
                ai_panel.build(self.session, self.act, tool)
            numbers = [spec for spec in tool.option_specs
                       if not isinstance(spec.default, bool | str)]
            for spec in numbers:
                self._option_widget(tool, spec)
            if _structure(self.session, tool)[3]:
                self._histogram()  # under the sliders, with their values marked
            for spec in tool.option_specs:
                if spec in numbers or (spec.name == "time_steps"
                                       and not self._time_steps_apply(tool)) or (
                        is_ai and spec.name != "target"):
                    continue
                self._option_widget(tool, spec)
            if is_ai:
                # Run, Confirm and Cancel above the regions: a model may name a hundred.
                ai_panel.build_run(self.session, self.act)
                self._status_and_buttons()
            self._regions(tool)
            if not is_ai:
                self._status_and_buttons()

    def _regions(self, tool: VolumeTool) -> None:
        if len(tool.regions) > 1:
            dpg.add_text("Regions to keep (voxels):")
            for region in tool.regions:
                dpg.add_checkbox(label=region.name, tag=f"region_{region.number}",
                                 callback=self._tick, user_data=region.number)

    def _status_and_buttons(self) -> None:
        dpg.add_text("", tag="volume_status", wrap=300)
        with dpg.group(horizontal=True):
            dpg.add_button(label="Confirm", tag="volume_confirm", width=90,
                           callback=lambda: self.act(self.session.confirm_volume_tool))
            dpg.add_button(label="Cancel", tag="volume_cancel", width=90,
                           callback=lambda: self.act(self.session.cancel_volume_tool))

    def _time_steps_apply(self, tool: VolumeTool) -> bool:
        session = self.session
        return (tool.spans_time_steps and session.image_index is not None
                and session.image_entry.image.time_steps > 1)

    def _option_widget(self, tool: VolumeTool, spec: Option) -> None:
        """A slider plus a spin box for numbers (the spin box takes typed values), a
        checkbox for flags, radio buttons for choices; tagged ``option_<name>``."""
        tag = f"option_{spec.name}"
        name = tool.info.name

        def apply(_sender, value) -> None:
            self.act(self.session.set_tool_option, spec.name, value, name)

        if isinstance(spec.default, bool):
            dpg.add_checkbox(label=spec.label, tag=tag, callback=apply)
        elif isinstance(spec.default, str):
            dpg.add_text(spec.label + ":")
            dpg.add_radio_button(list(spec.choices), horizontal=True, tag=tag, callback=apply)
        else:
            low, high = tool.bounds(spec.name)
            dpg.add_text(spec.label + ":")
            with dpg.group(horizontal=True):
                if isinstance(spec.default, int):
                    dpg.add_slider_int(tag=tag, width=170, min_value=int(low),
                                       max_value=int(high), callback=apply)
                    dpg.add_input_int(tag=f"{tag}_spin", width=110, callback=apply,
                                      on_enter=True, min_value=int(low), max_value=int(high),
                                      min_clamped=True, max_clamped=True)
                else:
                    dpg.add_slider_float(tag=tag, width=170, min_value=float(low),
                                         max_value=float(high), callback=apply,
                                         format="%.1f")
                    dpg.add_input_float(tag=f"{tag}_spin", width=110, callback=apply,
                                        on_enter=True, format="%.1f", step=1.0)

    def _histogram(self) -> None:
        with dpg.plot(tag="volume_histogram", height=HISTOGRAM_HEIGHT, width=-1,
                      no_menus=True, no_box_select=True, no_mouse_pos=True, no_title=True):
            dpg.add_plot_axis(dpg.mvXAxis, tag="volume_histogram_x", no_gridlines=True)
            with dpg.plot_axis(dpg.mvYAxis, tag="volume_histogram_y", no_gridlines=True,
                               no_tick_labels=True):
                dpg.add_shade_series([0.0], [0.0], tag="volume_histogram_counts")
                dpg.add_inf_line_series([0.0], tag="volume_histogram_markers")

    def _tick(self, _sender, ticked: bool, number: int) -> None:
        self.act(self.session.set_region_ticked, number, ticked)

    # --- values ----------------------------------------------------------------------------
    def _refresh(self, tool: VolumeTool | None) -> None:
        if tool is None:
            return
        for spec in tool.option_specs:
            tag = f"option_{spec.name}"
            if not dpg.does_item_exist(tag) or dpg.is_item_active(tag):
                continue  # a field being typed in keeps what the user types
            value = tool.options[spec.name]
            if dpg.get_value(tag) != value:
                dpg.set_value(tag, value)
            if dpg.does_item_exist(f"{tag}_spin") and dpg.get_value(f"{tag}_spin") != value:
                dpg.set_value(f"{tag}_spin", value)
        for region in tool.regions if len(tool.regions) > 1 else ():
            dpg.set_value(f"region_{region.number}", region.number not in tool.unticked)
            dpg.configure_item(f"region_{region.number}",
                               label=f"{region.name}: {region.voxels:,}")
        self._refresh_histogram(tool)
        pending = self.session.volume_preview_pending
        status = tool.status + ("  (computing…)" if pending and tool.status else "")
        dpg.set_value("volume_status", status or ("computing…" if pending else ""))
        dpg.configure_item("volume_confirm", enabled=tool.result is not None)
        if isinstance(tool, AiTool):
            ai_panel.refresh(self.session, tool)

    def update(self) -> None:
        """Per frame: the AI run's progress bar (a job reports no event while it runs)."""
        tool = self.session.armed_tool
        if isinstance(tool, AiTool) and dpg.does_item_exist("ai_progress_row"):
            ai_panel.refresh_progress(self.session)

    def _refresh_histogram(self, tool: VolumeTool) -> None:
        histogram = tool.result.histogram if tool.result is not None else None
        if histogram is None or not dpg.does_item_exist("volume_histogram"):
            return
        centers = ((histogram.edges[:-1] + histogram.edges[1:]) / 2).tolist()
        heights = np.log1p(histogram.counts).tolist()  # CT histograms span 6 decades
        dpg.set_value("volume_histogram_counts", [centers, heights, [0.0] * len(centers)])
        dpg.set_value("volume_histogram_markers", [list(histogram.markers) or [centers[0]]])
        dpg.fit_axis_data("volume_histogram_x")
        dpg.fit_axis_data("volume_histogram_y")
