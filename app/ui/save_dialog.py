"""Save-as dialog: a path field (typed or browsed), the output format, and what that
format cannot keep.

A typed path keeps keyboard-only work possible; the format choice sets the suffix, since
the writers choose the format by suffix (formats.write_segmentation). The format starts
as the document's own (a version 4 MITK file stays version 4), and whatever the chosen
format would drop (group names in MITK version 1, everything but the voxels in a label
map) is said under it before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dearpygui.dearpygui as dpg

from .dialogs import add_path_field
from .file_kinds import SEGMENTATIONS

WINDOW = "save_as_window"
FORMATS = {
    "MITK multilabel .nrrd (MITK 2023.04, version 1)": (".nrrd", 1),
    "MITK multilabel .nrrd (current MITK, version 4)": (".nrrd", 4),
    "3D Slicer .seg.nrrd": (".seg.nrrd", 1),
    "Label map .nii.gz (one file per group)": (".nii.gz", 1),
}


def suggested_path(image_path: str | None, document_path: str | None) -> str:
    """A new name for Save as: beside the segmentation's file as "<name>_edited" (never
    the file itself: Save writes there), else beside the image."""
    if document_path:
        source = Path(document_path)
        stem, suffix = _split(source.name)
        candidate, number = source.with_name(f"{stem}_edited{suffix}"), 2
        while candidate.exists():
            candidate = source.with_name(f"{stem}_edited{number}{suffix}")
            number += 1
        return str(candidate)
    if image_path:
        source = Path(image_path)
        stem = source.name.split(".")[0]
        return str(source.with_name(f"{stem}_segmentation.nrrd"))
    return str(Path.cwd() / "segmentation.nrrd")


def format_for(path: str, mitk_version: int) -> str:
    """The dialog's format entry for a file name and MITK version."""
    mitk_1, mitk_4, slicer, labelmap = FORMATS
    name = path.lower()
    if name.endswith(".seg.nrrd"):
        return slicer
    if name.endswith(".nrrd"):
        return mitk_4 if mitk_version == 4 else mitk_1
    if name.endswith((".nii.gz", ".nii", ".mha")):
        return labelmap
    return mitk_1


def _split(name: str) -> tuple[str, str]:
    for known in (".seg.nrrd", ".nii.gz", ".nrrd", ".nii", ".mha"):
        if name.lower().endswith(known):
            return name[: -len(known)], name[-len(known):]
    return name, ""


def _with_suffix(path: str, suffix: str) -> str:
    name = Path(path)
    return str(name.with_name(_split(name.name)[0] + suffix))


def show_save_as(initial_path: str, save: Callable[[str, int], None], mitk_version: int = 1,
                 losses: Callable[[str, int], list[str]] = lambda path, version: []) -> None:
    """``save(path, mitk_version)`` is called on Save (or Enter in the path field);
    ``losses(path, mitk_version)`` says what that file would not keep."""
    if dpg.does_item_exist(WINDOW):
        dpg.delete_item(WINDOW)

    def chosen_format() -> tuple[str, int]:
        return FORMATS[dpg.get_value("save_format")]

    def show_losses() -> None:
        lost = losses(dpg.get_value("save_path").strip(), chosen_format()[1])
        dpg.set_value("save_losses", "\n".join(lost))
        dpg.configure_item("save_losses", show=bool(lost))

    def on_format(_sender, _value) -> None:
        dpg.set_value("save_path", _with_suffix(dpg.get_value("save_path"), chosen_format()[0]))
        show_losses()

    def on_save(*_args) -> None:
        path = dpg.get_value("save_path").strip()
        version = chosen_format()[1]
        dpg.delete_item(WINDOW)
        save(path, version)

    with dpg.window(label="Save segmentation as", tag=WINDOW, modal=True, width=640,
                    autosize=True, on_close=lambda: dpg.delete_item(WINDOW)):
        add_path_field("save", initial_path, "Save segmentation as", SEGMENTATIONS, on_save)
        dpg.add_combo(list(FORMATS), tag="save_format",
                      default_value=format_for(initial_path, mitk_version), width=480,
                      callback=on_format)
        dpg.add_text("", tag="save_losses", wrap=600, color=(255, 200, 60), show=False)
        with dpg.group(horizontal=True):
            dpg.add_button(label="Save", tag="save_button", width=80, callback=on_save)
            dpg.add_button(label="Cancel", width=80, callback=lambda: dpg.delete_item(WINDOW))
    show_losses()
    dpg.focus_item("save_path")
