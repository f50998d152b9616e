"""The file browser's logic without a window: list a folder, spot DICOM, read typed paths.

Kept apart from the widgets so that every rule (sorting, hidden entries, DICOM folders,
how a typed path is understood) is tested without a display.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..formats.paths import has_suffix
from ..session.recent_files import last_folder
from .file_kinds import FileFilter

DICOM_MAGIC_OFFSET = 128
DICOM_MAGIC = b"DICM"
# Checking a folder for DICOM must stay cheap, also for sub-folders of a big folder.
DICOM_FILES_CHECKED = 4
DICOM_ENTRIES_CHECKED = 64


class BrowseError(Exception):
    """A message for the browser to show; the browser stays open."""


@dataclass(frozen=True)
class Entry:
    """One row of a listing; ``dicom`` marks a folder that holds DICOM files."""

    path: Path
    is_folder: bool
    size: int = 0
    modified: float = 0.0
    dicom: bool = False

    @property
    def name(self) -> str:
        return self.path.name


def is_dicom_file(path: str | os.PathLike) -> bool:
    """A .dcm name, or the DICOM preamble's magic ("DICM" at byte 128)."""
    if has_suffix(path, (".dcm",)):
        return True
    try:
        with open(path, "rb") as handle:
            handle.seek(DICOM_MAGIC_OFFSET)
            return handle.read(len(DICOM_MAGIC)) == DICOM_MAGIC
    except OSError:
        return False


def is_dicom_folder(folder: str | os.PathLike) -> bool:
    """Whether a folder holds DICOM files, judged from its first few files only."""
    checked = 0
    try:
        with os.scandir(folder) as entries:
            for seen, entry in enumerate(entries):
                if seen >= DICOM_ENTRIES_CHECKED or checked >= DICOM_FILES_CHECKED:
                    return False
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                if is_dicom_file(entry.path):
                    return True
                checked += 1
    except OSError:
        return False
    return False


def list_folder(folder: str | os.PathLike, file_filter: FileFilter,
                show_hidden: bool = False, mark_dicom: bool = False) -> list[Entry]:
    """Sub-folders, then the files ``file_filter`` matches, each sorted ignoring case.

    Hidden entries (names starting with a dot) are left out unless ``show_hidden``;
    ``mark_dicom`` checks each sub-folder for DICOM files. A folder that cannot be read
    raises BrowseError with the reason.
    """
    folder = Path(folder)
    folders: list[Entry] = []
    files: list[Entry] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") and not show_hidden:
                    continue
                try:
                    is_folder = entry.is_dir()
                    info = entry.stat()
                except OSError:
                    continue  # a broken link or an entry removed meanwhile
                path = Path(entry.path)
                if is_folder:
                    folders.append(Entry(path, True, modified=info.st_mtime,
                                         dicom=mark_dicom and is_dicom_folder(path)))
                elif file_filter.matches(path):
                    files.append(Entry(path, False, info.st_size, info.st_mtime))
    except FileNotFoundError as error:
        raise BrowseError(f"Folder not found: {folder}") from error
    except NotADirectoryError as error:
        raise BrowseError(f"Not a folder: {folder}") from error
    except PermissionError as error:
        raise BrowseError(f"No permission to read the folder {folder}") from error
    except OSError as error:
        raise BrowseError(f"Cannot read the folder {folder}: {error.strerror}") from error
    return (sorted(folders, key=lambda e: (e.name.casefold(), e.name))
            + sorted(files, key=lambda e: (e.name.casefold(), e.name)))


@dataclass(frozen=True)
class Resolved:
    """What a typed path means: a folder to show, or the chosen file."""

    folder: Path | None = None
    file: Path | None = None


def _absolute(text: str, current: Path) -> Path:
    """``~`` expanded, file:// URLs and quotes (as pasted from file managers) removed,
    relative paths taken from ``current``, ``..`` folded."""
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if text.startswith("file://"):
        text = unquote(urlparse(text).path)
    path = Path(text).expanduser()
    return Path(os.path.normpath(current / path))


def resolve_open(text: str, current: Path) -> Resolved:
    """A typed or pasted path in "open" mode: a folder is shown, a file is chosen."""
    if not text.strip():
        return Resolved(folder=current)
    path = _absolute(text, current)
    if path.is_dir():
        return Resolved(folder=path)
    if path.is_file():
        return Resolved(file=path)
    raise BrowseError(f"No such file or folder: {path}")


def resolve_save(text: str, current: Path, suffix: str | None,
                 known_suffixes: tuple[str, ...]) -> Resolved:
    """A typed name in "save" mode: a bare name goes into ``current``; ``suffix`` is
    added when the name ends in none of ``known_suffixes``; a folder is shown."""
    if not text.strip():
        raise BrowseError("Type a file name.")
    path = _absolute(text, current)
    if path.is_dir():
        return Resolved(folder=path)
    if suffix and not has_suffix(path, known_suffixes):
        path = path.with_name(path.name + suffix)
    if not path.parent.is_dir():
        raise BrowseError(f"Folder not found: {path.parent}")
    return Resolved(file=path)


def start_folder(kind_name: str, initial: str | None = None) -> Path:
    """Where the browser opens: the folder of ``initial`` (a file or folder) if it exists,
    else the folder last used for this kind of file, else the working folder."""
    if initial:
        path = Path(initial).expanduser()
        for candidate in (path, path.parent):
            if candidate.is_dir():
                return Path(os.path.abspath(candidate))
    return last_folder(kind_name) or Path.cwd()
