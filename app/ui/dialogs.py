"""Message and file dialogs shared by the panels."""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

IMAGE_EXTENSIONS = (".nii.gz", ".nii", ".nrrd", ".mha", ".mhd", ".gipl.gz", ".dcm", ".png",
                    ".tif")
SEGMENTATION_EXTENSIONS = (".nrrd", ".seg.nrrd", ".nii.gz", ".nii", ".mha")


def show_error(message: str) -> None:
    """A modal message; errors never end the application. A second error replaces the
    message shown."""
    if dpg.does_item_exist("error_dialog"):
        dpg.delete_item("error_dialog")
    with dpg.window(label="Error", modal=True, tag="error_dialog", width=520, autosize=True,
                    on_close=lambda: dpg.delete_item("error_dialog")) as window:
        dpg.add_text(message, wrap=480, tag="error_text")
        dpg.add_button(label="OK", width=80, callback=lambda: dpg.delete_item(window))


def ask_path(title: str, extensions: tuple[str, ...], on_path: Callable[[str], None],
             directory: bool = False) -> None:
    """Open a file dialog and hand the chosen path to ``on_path``."""
    def chosen(_sender, app_data) -> None:
        path = app_data.get("file_path_name", "")
        if path:
            on_path(path)

    with dpg.file_dialog(label=title, callback=chosen, width=700, height=420,
                         directory_selector=directory, modal=True,
                         cancel_callback=lambda s, a: None):
        if not directory:
            dpg.add_file_extension(".*")
            for extension in extensions:
                dpg.add_file_extension(extension)
