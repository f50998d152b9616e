"""The file browser: a modal window of ordinary widgets to open or save any format we read.

Dear PyGui's own file dialog mangles the returned path, hides double suffixes such as
.nii.gz, cannot choose a DICOM folder and lets keys through. This window draws what
``file_listing`` decides (tested without a display) and hands the chosen path on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import dearpygui.dearpygui as dpg

from ..session.recent_files import remember_folder
from .file_kinds import FileKind, save_suffix
from .file_listing import (
    BrowseError,
    Entry,
    is_dicom_folder,
    list_folder,
    resolve_open,
    resolve_save,
    start_folder,
)
from .modal_cover import OVER_OTHERS, cover, uncover

WINDOW = "file_browser"
PATH = "browser_path"
NAME = "browser_name"
FILTER = "browser_filter"
HIDDEN = "browser_hidden"
UP = "browser_up"
HOME = "browser_home"
DICOM = "browser_dicom"
MESSAGE = "browser_message"
LISTING = "browser_listing"
EMPTY = "browser_empty"
OK = "browser_ok"
CANCEL = "browser_cancel"
KEYS = "browser_keys"
ROW_HANDLERS = "browser_row_handlers"
THEME = "browser_theme"
TEXT_FIELDS = (PATH, NAME)  # while one of these is active, keys are text, not shortcuts
ENTER_KEYS = (dpg.mvKey_Return, dpg.mvKey_NumPadEnter)


def entry_tag(index: int) -> str:
    return f"browser_entry_{index}"


def close_browser() -> None:
    """Remove the browser and show again the dialogs it covered."""
    if dpg.does_item_exist(WINDOW):
        uncover(dpg.get_item_user_data(WINDOW) or [])
    for tag in (WINDOW, KEYS, ROW_HANDLERS):
        if dpg.does_item_exist(tag):
            dpg.delete_item(tag)


def _size_text(size: float) -> str:
    units = ("B", "KB", "MB", "GB", "TB")
    power = 0
    while size >= 1024 and power < len(units) - 1:
        size /= 1024
        power += 1
    return f"{size:.0f} B" if power == 0 else f"{size:.1f} {units[power]}"


def _listing_theme() -> str:
    """Rows in the colours of a selection: the default theme marks a selected row so
    faintly that the chosen file cannot be seen."""
    if not dpg.does_item_exist(THEME):
        with dpg.theme(tag=THEME), dpg.theme_component(dpg.mvSelectable):
            dpg.add_theme_color(dpg.mvThemeCol_Header, (45, 95, 160))
            dpg.add_theme_color(dpg.mvThemeCol_HeaderHovered, (60, 110, 175))
            dpg.add_theme_color(dpg.mvThemeCol_HeaderActive, (70, 125, 195))
    return THEME


def _row_label(entry: Entry) -> str:
    if not entry.is_folder:
        return entry.name
    return f"{entry.name}/   (DICOM)" if entry.dicom else f"{entry.name}/"


class FileBrowser:
    """One open browser; it lives until a path is chosen or the window is closed."""

    def __init__(self, kind: FileKind, on_path: Callable[[str], None], save: bool) -> None:
        self.kind = kind
        self.on_path = on_path
        self.save = save
        self.filter = kind.filters[0]
        self.folder = Path.cwd()
        self.entries: list[Entry] = []
        self.selected: int | None = None

    # --- building ----------------------------------------------------------------------
    def build(self, title: str, initial: str | None) -> None:
        width, height = 780, 560
        x = max((dpg.get_viewport_client_width() - width) // 2, 0)
        y = max((dpg.get_viewport_client_height() - height) // 2, 0)
        with dpg.window(label=title, tag=WINDOW, width=width, height=height, pos=(x, y),
                        no_collapse=True, on_close=close_browser, user_data=cover(),
                        **OVER_OTHERS):
            with dpg.group(horizontal=True):
                dpg.add_button(label="Up", tag=UP, callback=lambda: self.show(self.folder.parent))
                dpg.add_button(label="Home", tag=HOME, callback=lambda: self.show(Path.home()))
                dpg.add_input_text(tag=PATH, width=-1, on_enter=True, elide_left=True,
                                   hint="type or paste a path, then Enter",
                                   callback=lambda s, a: self.typed(a))
            with dpg.group(horizontal=True):
                dpg.add_button(label="Open this DICOM folder", tag=DICOM, show=False,
                               callback=lambda: self.choose(self.folder))
                dpg.add_text("", tag=MESSAGE, color=(255, 120, 110), wrap=width - 220)
            dpg.add_child_window(tag=LISTING, height=-56 if self.save else -30, border=False)
            dpg.bind_item_theme(LISTING, _listing_theme())
            if self.save:
                dpg.add_input_text(label="file name", tag=NAME, width=-120, on_enter=True,
                                   default_value=Path(initial).name if initial else "",
                                   callback=lambda s, a: self.typed(a))
            with dpg.group(horizontal=True):
                dpg.add_combo([f.label for f in self.kind.filters], tag=FILTER, width=420,
                              default_value=self.filter.label, callback=self.filter_chosen)
                dpg.add_checkbox(label="hidden files", tag=HIDDEN,
                                 callback=lambda: self.show(self.folder))
                dpg.add_spacer(width=20)
                dpg.add_button(label="Save" if self.save else "Open", tag=OK, width=80,
                               callback=self.ok)
                dpg.add_button(label="Cancel", tag=CANCEL, width=80, callback=close_browser)
        with dpg.item_handler_registry(tag=ROW_HANDLERS):
            dpg.add_item_double_clicked_handler(
                button=dpg.mvMouseButton_Left,
                callback=lambda s, a: self.activate(dpg.get_item_user_data(a[1])))
        with dpg.handler_registry(tag=KEYS):
            dpg.add_key_press_handler(callback=self.on_key)
        self.show(start_folder(self.kind.name, initial))
        if self.save:
            dpg.focus_item(NAME)

    def show(self, folder: Path) -> None:
        """List ``folder``; if it cannot be read, say why and stay where we are."""
        try:
            entries = list_folder(folder, self.filter, show_hidden=dpg.get_value(HIDDEN),
                                  mark_dicom=self.kind.dicom)
        except BrowseError as error:
            self.message(str(error))
            return
        self.message("")
        self.folder, self.entries, self.selected = folder, entries, None
        dpg.set_value(PATH, str(folder))
        dpg.configure_item(DICOM, show=self.kind.dicom and is_dicom_folder(folder))
        self._fill()

    def _fill(self) -> None:
        dpg.delete_item(LISTING, children_only=True)
        if not self.entries:
            dpg.add_text("(no folders or matching files here)", parent=LISTING, tag=EMPTY)
        with dpg.table(parent=LISTING, header_row=True, clipper=True, row_background=True,
                       policy=dpg.mvTable_SizingStretchProp, scrollY=True, freeze_rows=1):
            dpg.add_table_column(label="Name", init_width_or_weight=5.0)
            dpg.add_table_column(label="Size", init_width_or_weight=1.0)
            dpg.add_table_column(label="Modified", init_width_or_weight=1.6)
            for index, entry in enumerate(self.entries):
                with dpg.table_row():
                    dpg.add_selectable(label=_row_label(entry), tag=entry_tag(index),
                                       span_columns=True, user_data=index,
                                       callback=lambda s, a, u: self.select(u))
                    dpg.bind_item_handler_registry(entry_tag(index), ROW_HANDLERS)
                    dpg.add_text("" if entry.is_folder else _size_text(entry.size))
                    dpg.add_text(time.strftime("%Y-%m-%d %H:%M",
                                               time.localtime(entry.modified)))

    # --- actions -----------------------------------------------------------------------
    def message(self, text: str) -> None:
        dpg.set_value(MESSAGE, text)

    def select(self, index: int | None) -> None:
        if self.selected is not None and dpg.does_item_exist(entry_tag(self.selected)):
            dpg.set_value(entry_tag(self.selected), False)
        self.selected = index
        if index is None:
            return
        dpg.set_value(entry_tag(index), True)  # a second click would otherwise clear it
        entry = self.entries[index]
        if self.save and not entry.is_folder:
            dpg.set_value(NAME, entry.name)

    def activate(self, index: int) -> None:
        """Double click or Enter on a row: a folder opens, a file is chosen."""
        entry = self.entries[index]
        if entry.is_folder:
            self.show(entry.path)
        else:
            self.choose(entry.path)

    def typed(self, text: str) -> None:
        """Enter in the path or name field: a folder is shown, a file is chosen."""
        try:
            if self.save:
                resolved = resolve_save(text, self.folder, save_suffix(self.filter),
                                        self.kind.suffixes)
            else:
                resolved = resolve_open(text, self.folder)
        except BrowseError as error:
            self.message(str(error))
            return
        if resolved.folder is not None:
            self.show(resolved.folder)
        else:
            self.choose(resolved.file)

    def ok(self) -> None:
        if self.save:
            self.typed(dpg.get_value(NAME))
        elif self.selected is not None:
            self.activate(self.selected)
        elif dpg.get_value(PATH).strip() != str(self.folder):
            self.typed(dpg.get_value(PATH))
        else:
            self.message("Choose a file (double click), or type its path.")

    def filter_chosen(self, _sender, label: str) -> None:
        self.filter = next(f for f in self.kind.filters if f.label == label)
        self.show(self.folder)

    def choose(self, path: Path) -> None:
        """Close, remember the folder the file (or DICOM folder) is in, hand the path on."""
        remember_folder(self.kind.name, path.parent)
        close_browser()
        self.on_path(str(path))

    def on_key(self, _sender, key: int) -> None:
        if not dpg.is_item_shown(WINDOW):
            return  # an error message covers the browser
        if any(dpg.is_item_active(t) or dpg.is_item_deactivated(t)
               for t in TEXT_FIELDS if dpg.does_item_exist(t)):
            return  # the field's own Enter callback, or typing
        if key in ENTER_KEYS:
            self.ok()
        elif key == dpg.mvKey_Escape:
            close_browser()
        elif key in (dpg.mvKey_Up, dpg.mvKey_Down) and self.entries:
            step = -1 if key == dpg.mvKey_Up else 1
            current = self.selected if self.selected is not None else -step
            self.select(min(max(current + step, 0), len(self.entries) - 1))


def open_browser(title: str, kind: FileKind, on_path: Callable[[str], None],
                 save: bool = False, initial: str | None = None) -> None:
    """Show the browser; ``on_path`` gets the chosen file (or DICOM folder) path.

    ``initial`` (a file or folder) sets where it starts and, when saving, the name;
    otherwise it starts in the folder last used for this kind of file.
    """
    close_browser()  # one at a time
    FileBrowser(kind, on_path, save).build(title, initial)
