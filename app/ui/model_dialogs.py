"""The data manager's dialogs for polygon models and Autocrop.

Export: a path field (typed or browsed), the file format, and whether every label goes
into one scene file or into a file of its own. Autocrop: the margin around the labels'
box and whether the image is cropped too. Both only collect the choice and hand it to
the session (through the caller), like the Save-as dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dearpygui.dearpygui as dpg

from ..formats.paths import split_suffix
from .dialogs import add_path_field
from .file_kinds import MESHES

EXPORT_WINDOW = "export_model_window"
AUTOCROP_WINDOW = "autocrop_window"
MESH_FORMATS = {
    "STL (no names or colours)": ".stl",
    "OBJ (an object per label, label colours)": ".obj",
    "PLY (label colours)": ".ply",
}
ONE_SCENE = "One file, all labels"
PER_LABEL = "One file per label"


def suggested_export_path(beside: str | None, model_name: str) -> str:
    """``<segmentation>_<model name>.stl`` beside the segmentation's (or the image's)
    file, else in the working folder."""
    folder = Path(beside).parent if beside else Path.cwd()
    stem = split_suffix(beside)[0] if beside else "segmentation"
    part = "_".join(model_name.lower().replace(",", "").split())
    return str(folder / f"{stem}_{part}.stl")


def _with_suffix(path: str, suffix: str) -> str:
    name = Path(path)
    return str(name.with_name(split_suffix(name)[0] + suffix))


def _format_for(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return next((name for name, known in MESH_FORMATS.items() if known == suffix),
                next(iter(MESH_FORMATS)))


def show_export_model(initial_path: str, export: Callable[[str, bool], None]) -> None:
    """``export(path, one_file_per_label)`` on Export (or Enter in the path field)."""
    if dpg.does_item_exist(EXPORT_WINDOW):
        dpg.delete_item(EXPORT_WINDOW)

    def on_format(_sender, name: str) -> None:
        dpg.set_value("export_path", _with_suffix(dpg.get_value("export_path"),
                                                  MESH_FORMATS[name]))

    def on_export(*_args) -> None:
        path = dpg.get_value("export_path").strip()
        per_label = dpg.get_value("export_layout") == PER_LABEL
        dpg.delete_item(EXPORT_WINDOW)
        export(path, per_label)

    with dpg.window(label="Export polygon model", tag=EXPORT_WINDOW, modal=True, width=640,
                    autosize=True, on_close=lambda: dpg.delete_item(EXPORT_WINDOW)):
        add_path_field("export", initial_path, "Export polygon model", MESHES, on_export)
        dpg.add_combo(list(MESH_FORMATS), tag="export_format", width=480,
                      default_value=_format_for(initial_path), callback=on_format)
        dpg.add_radio_button([ONE_SCENE, PER_LABEL], tag="export_layout",
                             default_value=ONE_SCENE, horizontal=True)
        dpg.add_text("Coordinates are the image's world coordinates in mm (ITK/LPS).",
                     wrap=600)
        with dpg.group(horizontal=True):
            dpg.add_button(label="Export", tag="export_button", width=80, callback=on_export)
            dpg.add_button(label="Cancel", tag="export_cancel", width=80,
                           callback=lambda: dpg.delete_item(EXPORT_WINDOW))
    dpg.focus_item("export_path")


def show_autocrop(crop: Callable[[int, bool], None]) -> None:
    """``crop(margin_voxels, crop_image_too)`` on Crop."""
    if dpg.does_item_exist(AUTOCROP_WINDOW):
        dpg.delete_item(AUTOCROP_WINDOW)

    def on_crop(*_args) -> None:
        margin = max(int(dpg.get_value("autocrop_margin")), 0)
        image_too = bool(dpg.get_value("autocrop_image"))
        dpg.delete_item(AUTOCROP_WINDOW)
        crop(margin, image_too)

    with dpg.window(label="Autocrop", tag=AUTOCROP_WINDOW, modal=True, width=420,
                    autosize=True, on_close=lambda: dpg.delete_item(AUTOCROP_WINDOW)):
        dpg.add_text("Crop to the box of all labels (every group and time step). The "
                     "result opens as a new image and segmentation; this one stays.",
                     wrap=400)
        dpg.add_input_int(label="margin (voxels)", tag="autocrop_margin", default_value=0,
                          min_value=0, min_clamped=True, width=120)
        dpg.add_checkbox(label="Crop the image too (else a blank image on the new grid)",
                         tag="autocrop_image", default_value=True)
        with dpg.group(horizontal=True):
            dpg.add_button(label="Crop", tag="autocrop_button_ok", width=80, callback=on_crop)
            dpg.add_button(label="Cancel", tag="autocrop_cancel", width=80,
                           callback=lambda: dpg.delete_item(AUTOCROP_WINDOW))
