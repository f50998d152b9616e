"""Autosave: a copy of every modified segmentation in the recovery folder, written in
the background once the document has been left alone for a few seconds.

Waiting for a pause keeps the copies from competing with a brush stroke for the CPU;
each copy is written from a snapshot taken on the UI thread, so what lands on disk is a
state the user really had. A document saved or closed on purpose loses its copy.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable

from ..model.document import SegmentationDocument
from ..model.segmentation import Segmentation
from .jobs import Job, JobRunner
from .recovery import RecoveryStore


class Autosaver:
    def __init__(self, jobs: JobRunner, store: RecoveryStore,
                 idle_seconds: Callable[[], int],
                 prepare: Callable[[SegmentationDocument, Segmentation], None] | None = None
                 ) -> None:
        self.jobs = jobs
        #: Adds what the session keeps beside the segmentation (the 3D interpolation's
        #: contours) to a snapshot, as a save does.
        self._prepare = prepare
        self.store = store
        self._idle_seconds = idle_seconds  # 0: autosave is off
        self._names = itertools.count(1)
        self._keys: dict[int, str] = {}  # document id -> its name in the folder
        self._last_change: dict[int, float] = {}
        self._copied: dict[int, int] = {}  # document id -> version of its copy
        self._running: dict[int, Job] = {}

    def _key(self, document: SegmentationDocument) -> str:
        return self._keys.setdefault(id(document), f"segmentation-{next(self._names)}")

    def note_change(self, document: SegmentationDocument, now: float | None = None) -> None:
        self._last_change[id(document)] = time.monotonic() if now is None else now

    def _waiting(self, documents: list[SegmentationDocument]) -> list[SegmentationDocument]:
        """Modified documents without a current copy or one being written."""
        return [d for d in documents if d.modified and self._copied.get(id(d)) != d.version
                and id(d) not in self._running]

    def due(self, documents: list[SegmentationDocument],
            now: float | None = None) -> list[SegmentationDocument]:
        """Documents waiting for a copy that have been left alone for long enough."""
        seconds = self._idle_seconds()
        if seconds <= 0:
            return []
        now = time.monotonic() if now is None else now
        return [d for d in self._waiting(documents)
                if now - self._last_change.get(id(d), 0.0) >= seconds]

    def seconds_until_due(self, documents: list[SegmentationDocument],
                          now: float | None = None) -> float | None:
        """How long until the next copy is due (None: none waits, or autosave is off);
        a window that sleeps until input sets a wake-up for then."""
        seconds = self._idle_seconds()
        waiting = self._waiting(documents)
        if seconds <= 0 or not waiting:
            return None
        now = time.monotonic() if now is None else now
        return max(0.0, min(self._last_change.get(id(d), 0.0) + seconds - now
                            for d in waiting))

    def copy_now(self, document: SegmentationDocument, image_path: str | None) -> Job:
        """Write the document's copy in the background (from a snapshot of now)."""
        key = self._key(document)
        snapshot = copy.deepcopy(document.segmentation)
        if self._prepare is not None:
            self._prepare(document, snapshot)
        version = document.version
        name, document_path = snapshot.name, document.path

        def land(file: str) -> None:
            self._running.pop(id(document), None)
            self._copied[id(document)] = version
            self.store.record(key, file, name, image_path, document_path)

        def failed(error: BaseException) -> None:
            self._running.pop(id(document), None)

        job = self.jobs.submit(f"Autosaving {name}", lambda job: self.store.write_copy(
            key, snapshot, progress=job.report), on_done=land, on_error=failed)
        self._running[id(document)] = job
        return job

    def forget(self, document: SegmentationDocument) -> None:
        """Saved, or closed on purpose: the copy goes."""
        job = self._running.pop(id(document), None)
        if job is not None:
            job.cancel()
        self._copied.pop(id(document), None)
        self._last_change.pop(id(document), None)
        key = self._keys.pop(id(document), None)
        if key is not None:
            self.store.forget(key)
