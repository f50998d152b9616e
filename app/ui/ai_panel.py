"""The AI tools' part of the 3D tab: the Python environment, the model's options, extra
images as channels, the cache, Run and the run's progress.

Like the rest of the 3D tab it knows no particular tool: options come from the tool's
declarations and the choices it offers now (an nnU-Net results folder's datasets);
``folds`` (ticks), ``results`` (a folder with Refresh) and the tool's input channels get
their own widgets. Every change goes through the session, which keeps the values.
"""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from ..session import Session
from ..tools.ai_tool import AiTool
from ..tools.base import Option
from .dialogs import ask_path
from .file_kinds import FileFilter, FileKind

WIDTH = 200
NO_IMAGE = "(pick an image)"
#: A Python executable has no suffix to filter by.
PYTHONS = FileKind("python", (FileFilter("Python executables"),))


def structure(session: Session, tool: AiTool) -> tuple:
    """What, when it changes, needs new widgets: the choices offered, the folds, the
    channels and the images that can fill them."""
    channels = tool.channel_names()
    candidates = tuple(session.ai_channel_candidates()) if len(channels) > 1 else ()
    return (tuple((spec.name, tuple(tool.choices(spec.name)), tool.offers(spec.name))
                  for spec in tool.option_specs), tuple(channels), candidates)


def build(session: Session, act: Callable, tool: AiTool) -> None:
    """The widgets of ``tool``'s options (inside the 3D tab's panel group): the
    environment folded away (chosen once), then the model's options, flags side by side
    so that Run stays in view."""
    _environment(session, act)
    specs = [spec for spec in tool.option_specs
             if spec.name != "target" and tool.offers(spec.name)]
    flags = [spec for spec in specs if isinstance(spec.default, bool)]
    for spec in specs:
        if spec.name == "results":
            _results_folder(session, act, tool)
        elif spec.name == "folds":
            _folds(session, act, tool)
        elif spec in flags[::2]:  # two to a row
            with dpg.group(horizontal=True):
                for flag in flags[flags.index(spec):flags.index(spec) + 2]:
                    _option(session, act, tool, flag)
        elif spec not in flags:
            _option(session, act, tool, spec)
        if spec.name == "plans":
            _channels(session, act, tool)


def build_run(session: Session, act: Callable) -> None:
    """Run and Cancel run, and the progress bar of the run."""
    with dpg.group(horizontal=True):
        dpg.add_button(label="Run", tag="ai_run", width=90,
                       callback=lambda: act(session.run_ai_tool))
        dpg.add_button(label="Stop run", tag="ai_stop", width=90,
                       callback=lambda: act(session.cancel_ai_run))
    with dpg.group(tag="ai_progress_row", show=False):  # a bar reports no rectangle
        dpg.add_progress_bar(tag="ai_progress", width=-1, default_value=0.0, overlay="")


def refresh(session: Session, tool: AiTool) -> None:
    """Values in place: options, the cache's size, the run's progress."""
    python = session.preferences.ai_python
    if dpg.does_item_exist("ai_python") and not dpg.is_item_active("ai_python"):
        dpg.set_value("ai_python", python)
    which = "" if python else "empty: the Python running Demarcate. "
    dpg.set_value("ai_python_note", which + (session.ai_python_note or "Check: what it has"))
    if dpg.does_item_exist("ai_results") and not dpg.is_item_active("ai_results"):
        dpg.set_value("ai_results", str(tool.options.get("results", "")))
    for fold in tool.choices("folds") if "folds" in tool.options else ():
        dpg.set_value(f"ai_fold_{fold}", fold in str(tool.options["folds"]).split(","))
    dpg.set_value("ai_cache_size", f"{session.ai_cache_bytes / 1e6:.1f} MB cached")
    refresh_progress(session)


def refresh_progress(session: Session) -> None:
    """Run / Stop run enabled as a run goes, and its progress bar (every frame)."""
    progress = session.ai_progress
    running = progress is not None
    dpg.configure_item("ai_run", enabled=not running)
    dpg.configure_item("ai_stop", enabled=running)
    fraction, message = progress or (None, "")
    dpg.configure_item("ai_progress_row", show=running)
    dpg.configure_item("ai_progress",
                       overlay=message if fraction is None else f"{fraction:.0%} {message}")
    dpg.set_value("ai_progress", fraction or 0.0)


def _environment(session: Session, act: Callable) -> None:
    """The Python that runs the model and the cache of results, folded away."""
    with dpg.collapsing_header(label="Python environment and cache", tag="ai_environment"):
        with dpg.group(horizontal=True):
            dpg.add_input_text(tag="ai_python", width=WIDTH + 20, on_enter=True,
                               hint="python path, then Enter",
                               callback=lambda s, value: act(session.set_ai_python, value))
            dpg.add_button(label="Browse...", tag="ai_python_browse", callback=lambda: ask_path(
                "The python of the environment", PYTHONS,
                lambda path: act(session.set_ai_python, path), initial=session.ai_python))
        dpg.add_text("", tag="ai_python_note", wrap=300)
        with dpg.group(horizontal=True):
            dpg.add_button(label="Check", tag="ai_check_python",
                           callback=lambda: act(session.check_ai_python))
            dpg.add_button(label="Create managed environment...", tag="ai_create_env",
                           callback=lambda: act(session.create_managed_environment))
        with dpg.group(horizontal=True):
            dpg.add_button(label="Clear cache", tag="ai_clear_cache",
                           callback=lambda: act(session.clear_ai_cache))
            dpg.add_text("", tag="ai_cache_size")


def _results_folder(session: Session, act: Callable, tool: AiTool) -> None:
    with dpg.group(horizontal=True):
        dpg.add_input_text(tag="ai_results", width=WIDTH + 20, on_enter=True,
                           hint="nnU-Net results folder (Enter reads it)",
                           callback=lambda s, value: act(session.set_nnunet_results, value))
        dpg.add_button(label="Refresh", tag="ai_refresh", callback=lambda: act(
            session.set_nnunet_results, dpg.get_value("ai_results"), True))


def _option(session: Session, act: Callable, tool: AiTool, spec: Option) -> None:
    """A checkbox for a flag, a combo for a choice, a text field for free text."""
    tag = f"option_{spec.name}"
    name = tool.info.name

    def apply(_sender, value) -> None:
        act(session.set_tool_option, spec.name, value, name)

    value = tool.options[spec.name]
    if isinstance(spec.default, bool):
        dpg.add_checkbox(label=spec.label, tag=tag, default_value=value, callback=apply)
        return
    choices = tool.choices(spec.name)
    if choices or spec.choices:
        dpg.add_combo(choices, label=spec.label, tag=tag, default_value=value, width=WIDTH,
                      callback=apply)
    else:
        dpg.add_text(spec.label + ":")
        dpg.add_input_text(tag=tag, default_value=value, width=-1, on_enter=True,
                           hint="Enter applies", callback=apply)


def _folds(session: Session, act: Callable, tool: AiTool) -> None:
    folds = tool.choices("folds")
    if not folds:
        return
    with dpg.group(horizontal=True):
        dpg.add_text("Folds", tag="ai_folds_text")
        with dpg.tooltip("ai_folds_text"):
            dpg.add_text("Tick the folds to run; none ticked runs every fold")
        for fold in folds:
            dpg.add_checkbox(label=fold, tag=f"ai_fold_{fold}", user_data=fold,
                             callback=lambda s, ticked, fold: act(session.set_nnunet_fold,
                                                                  fold, ticked))


def _channels(session: Session, act: Callable, tool: AiTool) -> None:
    """One image per extra input channel, in the model's channel order."""
    channels = tool.channel_names()
    if len(channels) < 2:
        return
    candidates = session.ai_channel_candidates()
    names = [NO_IMAGE] + [f"{index + 1}: {name}" for index, name in candidates]
    dpg.add_text(f"Input channels: {channels[0]} is the shown image")
    for channel, channel_name in enumerate(channels[1:], start=1):
        image = tool.extra_images.get(channel)
        shown = next((names[k + 1] for k, (index, _) in enumerate(candidates)
                      if session.images[index].image is image), NO_IMAGE)

        def pick(_sender, value, channel=channel) -> None:
            index = None if value == NO_IMAGE else int(value.split(":", 1)[0]) - 1
            act(session.set_ai_channel, channel, index)

        dpg.add_combo(names, label=channel_name, tag=f"ai_channel_{channel}", width=WIDTH,
                      default_value=shown, callback=pick)
