"""The recovery folder: autosaved copies of unsaved segmentations, for after a crash.

Each run of the app keeps a folder of its own under the user's data folder
(``DEMARCATE_DATA_DIR`` overrides it, for tests and portable installs), holding one
MITK file per modified segmentation (MITK version 4 keeps groups, names and 3D+t) and a
manifest that says which image each belongs to and which file the user had open. Every
write is atomic, so a kill at any moment leaves the previous copy. A clean exit removes
the folder; a folder whose process is gone is work to offer on the next start.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .. import formats
from ..atomic import write_text_atomic
from ..formats.progress import Progress
from ..model.segmentation import Segmentation

DATA_ENV = "DEMARCATE_DATA_DIR"
MANIFEST = "manifest.json"


def data_dir() -> Path:
    override = os.environ.get(DATA_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir("demarcate"))


def recovery_root() -> Path:
    return data_dir() / "recovery"


@dataclass(frozen=True)
class RecoveredDocument:
    """One autosaved segmentation a crashed run left behind."""

    run: Path  # the run's folder
    file: str  # the autosaved copy, relative to the run folder
    name: str
    image_path: str | None  # the image it was drawn on
    document_path: str | None  # the file the user had it open as (None: never saved)
    saved_at: float  # when the copy was written (seconds since the epoch)

    @property
    def path(self) -> Path:
        return self.run / self.file


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


class RecoveryStore:
    """This run's recovery folder."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or recovery_root()
        self.folder = self.root / f"run-{os.getpid()}-{int(time.time() * 1000)}"
        self._entries: dict[str, dict] = {}

    def write_copy(self, key: str, segmentation: Segmentation,
                   progress: Progress | None = None) -> str:
        """Write (or replace) the copy of one document; returns its file name. Runs on
        a worker thread: only the file of ``key`` is touched."""
        self.folder.mkdir(parents=True, exist_ok=True)
        file = f"{key}.nrrd"
        formats.write_segmentation(segmentation, self.folder / file, mitk_version=4,
                                   progress=progress)
        return file

    def record(self, key: str, file: str, name: str, image_path: str | None,
               document_path: str | None) -> None:
        """List a written copy in the manifest (on the UI thread, one writer)."""
        self._entries[key] = {"file": file, "name": name, "image_path": image_path,
                              "document_path": document_path, "saved_at": time.time()}
        self._write_manifest()

    def forget(self, key: str) -> None:
        """The document was saved or closed on purpose: its copy is no longer needed."""
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        with contextlib.suppress(OSError):
            (self.folder / entry["file"]).unlink()
        self._write_manifest()

    def _write_manifest(self) -> None:
        manifest = {"pid": os.getpid(), "documents": list(self._entries.values())}
        write_text_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")

    def close(self) -> None:
        """A clean exit: nothing to recover from this run."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self._entries.clear()

    # --- other runs ----------------------------------------------------------------------
    def left_behind(self) -> list[RecoveredDocument]:
        """Documents of runs whose process is gone, newest first (this run excluded)."""
        found = []
        if not self.root.is_dir():
            return found
        for run in sorted(self.root.iterdir()):
            if run == self.folder or not run.is_dir():
                continue
            try:
                manifest = json.loads((run / MANIFEST).read_text(encoding="utf-8"))
                pid, documents = int(manifest["pid"]), list(manifest["documents"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # unreadable: never offered, never deleted behind the user's back
            if _process_alive(pid) and pid != os.getpid():
                continue  # another instance is running
            for entry in documents:
                if (run / str(entry.get("file", ""))).is_file():
                    found.append(RecoveredDocument(
                        run, str(entry["file"]), str(entry.get("name", entry["file"])),
                        entry.get("image_path"), entry.get("document_path"),
                        float(entry.get("saved_at", 0.0))))
        return sorted(found, key=lambda d: d.saved_at, reverse=True)

    @staticmethod
    def discard(runs: list[Path]) -> None:
        """Delete what crashed runs left (the user chose not to restore it)."""
        for run in runs:
            shutil.rmtree(run, ignore_errors=True)

