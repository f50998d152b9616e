"""Message and file dialogs shared by the panels."""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from .file_browser import open_browser
from .file_kinds import FileKind, kind_for
from .modal_cover import OVER_OTHERS, cover, uncover

ERROR = "error_dialog"


def show_error(message: str) -> None:
    """A modal message; errors never end the application. A second error replaces the
    message shown. It opens over any dialog (which comes back after OK)."""
    covered = []
    if dpg.does_item_exist(ERROR):
        covered = dpg.get_item_user_data(ERROR) or []
        dpg.delete_item(ERROR)
    covered += cover()

    def close() -> None:
        dpg.delete_item(ERROR)
        uncover(covered)

    with dpg.window(label="Error", tag=ERROR, width=520, autosize=True, on_close=close,
                    user_data=covered, **OVER_OTHERS):
        dpg.add_text(message, wrap=480, tag="error_text")
        dpg.add_button(label="OK", width=80, callback=close)


def ask_path(title: str, kind: FileKind | tuple[str, ...], on_path: Callable[[str], None],
             *, save: bool = False, initial: str | None = None) -> None:
    """Open the file browser and hand the chosen path to ``on_path``.

    ``kind`` is a FileKind (IMAGES, SEGMENTATIONS, PRESETS) or a tuple of extensions;
    ``save`` lets the user name a file that does not exist yet; ``initial`` (a file or
    folder) is where the browser starts.
    """
    if not isinstance(kind, FileKind):
        kind = kind_for(kind)
    open_browser(title, kind, on_path, save=save, initial=initial)


def add_path_field(prefix: str, initial: str, title: str, kind: FileKind,
                   on_enter: Callable) -> None:
    """A file name to type (``<prefix>_path``; Enter calls ``on_enter``) with Browse...
    beside it (``<prefix>_browse``), which opens the file browser to name a new file."""
    path_tag = f"{prefix}_path"
    with dpg.group(horizontal=True):
        dpg.add_input_text(tag=path_tag, default_value=initial, width=480, on_enter=True,
                           callback=on_enter)
        dpg.add_button(label="Browse...", tag=f"{prefix}_browse", callback=lambda: ask_path(
            title, kind, lambda path: dpg.set_value(path_tag, path), save=True,
            initial=dpg.get_value(path_tag)))
