"""Recently opened files and the last folder of each kind, kept beside the preferences.

The session records a file once it has opened it, and the file browser starts where the
user was. Both are conveniences: a missing or broken file reads as empty, and a failed
write is dropped rather than stopping the open.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..atomic import write_text_atomic
from ..model.preferences import config_dir

RECENT_LIMIT = 10


def recent_path() -> Path:
    return config_dir() / "recent.json"


def _load() -> dict:
    try:
        data = json.loads(recent_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(data: dict) -> None:
    try:
        recent_path().parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(recent_path(), json.dumps(data, indent=2) + "\n")
    except OSError:
        pass  # a read-only config folder must not stop a file from opening


#: Where each kind's list is kept in the file.
_LISTS = {"image": "files", "segmentation": "segmentations"}


def _stored_files(data: dict, kind: str = "image") -> list[str]:
    files = data.get(_LISTS[kind], [])
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def _stored_folders(data: dict) -> dict[str, str]:
    folders = data.get("folders", {})
    if not isinstance(folders, dict):
        return {}
    return {k: v for k, v in folders.items() if isinstance(v, str)}


def remember_recent(path: str | os.PathLike, kind: str = "image") -> None:
    """Put ``path`` (a file or a DICOM folder) first in the recent list of ``kind``
    ("image" or "segmentation": a label map could be either, so the list says)."""
    data = _load()
    entry = os.path.abspath(path)
    files = [entry, *(f for f in _stored_files(data, kind) if f != entry)]
    data[_LISTS[kind]] = files[:RECENT_LIMIT]
    _save(data)


def recent_files(kind: str = "image") -> list[Path]:
    """Recently opened paths, most recent first; those no longer there are left out."""
    return [Path(f) for f in _stored_files(_load(), kind) if os.path.exists(f)]


def remember_folder(kind: str, folder: str | os.PathLike) -> None:
    """The folder the browser starts in next time for files of ``kind``."""
    data = _load()
    data["folders"] = {**_stored_folders(data), kind: os.path.abspath(folder)}
    _save(data)


def last_folder(kind: str) -> Path | None:
    """The remembered folder for ``kind``, or None if there is none or it is gone."""
    folder = _stored_folders(_load()).get(kind)
    return Path(folder) if folder and os.path.isdir(folder) else None
