"""Save-as dialog: a path field (typed or browsed) and the output format.

A typed path keeps keyboard-only work possible; the format choice sets the suffix, since
the writers choose the format by suffix (formats.write_segmentation).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dearpygui.dearpygui as dpg

from .dialogs import ask_path
from .file_kinds import SEGMENTATIONS

WINDOW = "save_as_window"
FORMATS = {
    "MITK multilabel .nrrd (MITK 2023.04, version 1)": (".nrrd", 1),
    "MITK multilabel .nrrd (current MITK, version 4)": (".nrrd", 4),
    "3D Slicer .seg.nrrd": (".seg.nrrd", 1),
    "Label map .nii.gz (one file per group)": (".nii.gz", 1),
}


def suggested_path(image_path: str | None, document_path: str | None) -> str:
    if document_path:
        return document_path
    if image_path:
        source = Path(image_path)
        stem = source.name.split(".")[0]
        return str(source.with_name(f"{stem}_segmentation.nrrd"))
    return str(Path.cwd() / "segmentation.nrrd")


def _with_suffix(path: str, suffix: str) -> str:
    name = Path(path)
    stem = name.name
    for known in (".seg.nrrd", ".nii.gz", ".nrrd", ".nii", ".mha"):
        if stem.endswith(known):
            stem = stem[: -len(known)]
            break
    return str(name.with_name(stem + suffix))


def show_save_as(initial_path: str, save: Callable[[str, int], None]) -> None:
    """``save(path, mitk_version)`` is called on Save (or Enter in the path field)."""
    if dpg.does_item_exist(WINDOW):
        dpg.delete_item(WINDOW)

    def chosen_format() -> tuple[str, int]:
        return FORMATS[dpg.get_value("save_format")]

    def on_format(_sender, _value) -> None:
        dpg.set_value("save_path", _with_suffix(dpg.get_value("save_path"), chosen_format()[0]))

    def on_save(*_args) -> None:
        path = dpg.get_value("save_path").strip()
        version = chosen_format()[1]
        dpg.delete_item(WINDOW)
        save(path, version)

    with dpg.window(label="Save segmentation as", tag=WINDOW, modal=True, width=640,
                    autosize=True, on_close=lambda: dpg.delete_item(WINDOW)):
        with dpg.group(horizontal=True):
            dpg.add_input_text(tag="save_path", default_value=initial_path, width=480,
                               on_enter=True, callback=on_save)
            dpg.add_button(label="Browse...", tag="save_browse", callback=lambda: ask_path(
                "Save segmentation as", SEGMENTATIONS,
                lambda path: dpg.set_value("save_path", path), save=True,
                initial=dpg.get_value("save_path")))
        dpg.add_combo(list(FORMATS), tag="save_format", default_value=next(iter(FORMATS)),
                      width=480, callback=on_format)
        with dpg.group(horizontal=True):
            dpg.add_button(label="Save", tag="save_button", width=80, callback=on_save)
            dpg.add_button(label="Cancel", width=80, callback=lambda: dpg.delete_item(WINDOW))
    dpg.focus_item("save_path")
