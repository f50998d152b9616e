"""The 3D view's surfaces: which labels to mesh, when, and what the view draws.

Every visible label of every visible segmentation of the shown image, at the shown time
step, has a surface (``render.surface_chunks``: pieces on a grid of chunks, at a level
of detail fitting its size). Meshing runs on the job runner, one job per label (its key
names the segmentation, the label and the time step, so the newest job of a label
wins), and lands on the UI thread, which then announces ``Topic.SURFACES``; the window
never waits for a mesh and keeps drawing the old one meanwhile.

What a change re-meshes comes from its record: only the labels it names, and of those
only the chunks its boxes touch. A label not meshed yet, or whose group array was
replaced (a group removed and restored, static made dynamic), is meshed from scratch.
Colour, opacity and visibility are read when the view draws, so they show at once
without meshing anything. While a brush stroke is drawn, a label's next job starts
when its previous one has landed, so the surface follows the stroke without piling up
work; the stroke's final record then supersedes whatever still runs.

A worker reads the live label array. Every write after a job was submitted announces
a change with a newer serial, whose chunks stay dirty when that job lands and are
meshed again, so a chunk read half-written is never left on screen.

The armed 3D tool's preview (a ``VolumePreview``) is meshed the same way, each region
in its colour.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..model.changes import Change, Signal
from ..model.document import SegmentationDocument
from ..model.labels import Label
from ..model.mesh import Mesh
from ..render.scene import Surface
from ..render.surface_chunks import (
    ChunkIndex,
    Factors,
    chunks_for_box,
    detail_factors,
    label_layout,
    merge_pieces,
    mesh_chunks,
)
from ..tools.base import Feedback, VolumePreview
from .events import SessionEvent, Topic
from .jobs import Job, JobRunner, JobState

PREVIEW_RGB = (0.0, 1.0, 0.3)  # a one-region preview: the slice views' preview green
PREVIEW_OPACITY = 0.5
PREVIEW_JOB_KEY = "surfaces:preview"
#: A label map of 100 labels must not fill the job runner's queue: opening a file or a
#: tool's preview would wait behind it. Meshing holds the GIL in chunks, so more than
#: two at once would not finish sooner on two cores either.
FIRST_MESHES_AT_ONCE = 2
_RESYNC_TOPICS = (Topic.IMAGES, Topic.SELECTION, Topic.SEGMENTATIONS, Topic.TIME_STEP)

Key = tuple[int, int, int]  # (id of the document, label value, stored time index)
Box = tuple[slice, slice, slice]


class _Session(Protocol):
    """What SurfaceMeshes uses of the Session (which creates it, so it cannot import it)."""

    events: Signal[SessionEvent]
    jobs: JobRunner
    images: list
    image_index: int | None
    time_step: int

    @property
    def image_entry(self): ...

    @property
    def tool_feedback(self) -> Feedback: ...

    def _emit(self, topic: Topic, **details) -> None: ...

    def polygon_models(self, document: SegmentationDocument | None = None) -> list: ...

    def _report_error(self, error: BaseException) -> None: ...


@dataclass
class _LabelSurface:
    """One label's surface at one stored time index, and the work still owed on it."""

    document: SegmentationDocument
    value: int
    t_index: int
    array: weakref.ref  # the group array it is meshed from (replaced: mesh from scratch)
    mesh: Mesh | None = None  # what the view draws (None: nothing yet)
    factors: Factors | None = None  # None until the first full mesh landed
    pieces: dict[ChunkIndex, Mesh] = field(default_factory=dict)
    dirty: list[tuple[Box, int]] = field(default_factory=list)  # changed box, its serial
    changed: int = 0  # serial of the newest change that made work
    job: Job | None = None
    job_serial: int = 0  # ``changed`` when the job in flight was submitted
    failed_serial: int = -1  # ``changed`` when meshing failed: not retried until it moves

    @property
    def needs_work(self) -> bool:
        return (self.factors is None or bool(self.dirty)) and self.failed_serial != self.changed

    @property
    def in_flight(self) -> bool:
        """A job runs or waits for delivery (a cancelled one does not count)."""
        return self.job is not None and not (self.job.finished
                                             and self.job.state is JobState.CANCELLED)


class SurfaceMeshes:
    """Keeps the shown image's label surfaces meshed while the 3D view wants them
    (``enable``); headless code enables it too and waits with ``session.jobs.drain``."""

    def __init__(self, session: _Session) -> None:
        self._session = session
        self.enabled = False
        self._surfaces: dict[Key, _LabelSurface] = {}
        self._serials = itertools.count(1)
        self._preview_source: VolumePreview | None = None
        self._preview: list[tuple[Mesh, tuple[float, float, float]]] = []
        self._preview_job: Job | None = None
        session.events.connect(self._on_event)

    def enable(self, enabled: bool = True) -> None:
        """Start (or stop) meshing; the window enables it when it can draw in 3D."""
        self.enabled = bool(enabled)
        if self.enabled:
            self._sync(final=True)
            self._sync_preview()

    # --- what the view draws ------------------------------------------------------------
    def scene_surfaces(self) -> list[Surface]:
        """Every shown label's latest surface in its current colour and opacity, the
        polygon models of the shown segmentations at the shown time step, then the 3D
        tool's preview."""
        surfaces = []
        for key, label in self._shown_labels():
            entry = self._surfaces.get(key)
            if entry is not None and entry.mesh is not None and entry.mesh.triangle_count:
                surfaces.append(Surface(key, entry.mesh, label.color, label.opacity))
        surfaces += self._model_surfaces()
        for index, (mesh, rgb) in enumerate(self._preview):
            surfaces.append(Surface(("preview", index), mesh, rgb, PREVIEW_OPACITY))
        return surfaces

    def _model_surfaces(self) -> list[Surface]:
        """The polygon models (Create polygon model / smoothed) of every shown
        segmentation, made for the shown time step, opaque in their labels' colours."""
        session = self._session
        if session.image_index is None:
            return []
        surfaces = []
        for document in session.image_entry.segmentations:
            if not document.visible:
                continue
            for model in session.polygon_models(document):
                if model.time_step != session.time_step:
                    continue
                surfaces += [Surface(("model", id(model), piece.value), piece.mesh,
                                     piece.color) for piece in model.labels]
        return surfaces

    @property
    def pending(self) -> int:
        """Shown labels (and the preview) whose surface is not current yet; 0 while no
        3D view wants surfaces."""
        if not self.enabled:
            return 0
        count = sum(1 for key, _ in self._shown_labels()
                    if (entry := self._surfaces.get(key)) is None
                    or entry.needs_work or entry.in_flight)
        return count + int(self._preview_job is not None and not self._preview_job.finished)

    def _shown_labels(self) -> Iterator[tuple[Key, Label]]:
        for document, label, _array, t_index in self._shown():
            yield (id(document), label.value, t_index), label

    def _shown(self) -> Iterator[tuple[SegmentationDocument, Label, np.ndarray, int]]:
        """(document, label, its group array, stored time index) of every label drawn."""
        session = self._session
        if session.image_index is None:
            return
        for document in session.image_entry.segmentations:
            if not document.visible:
                continue
            seg = document.segmentation
            t_index = seg.stored_time_index(session.time_step)
            for group in seg.groups:
                for label in group.labels:
                    if label.visible:
                        yield document, label, group.array, t_index

    # --- what to mesh -------------------------------------------------------------------
    def _on_event(self, event: SessionEvent) -> None:
        if not self.enabled:
            return
        if event.topic is Topic.DOCUMENT:
            self._on_change(event.document, event.change)
        elif event.topic in _RESYNC_TOPICS:
            self._forget_closed()
            self._sync(final=True)
            self._sync_preview()
        elif event.topic in (Topic.TOOL, Topic.TOOL_FEEDBACK, Topic.INTERPOLATION):
            self._sync_preview()

    def _on_change(self, document: SegmentationDocument, change: Change) -> None:
        """Note the change's boxes in the labels it names (their chunks are re-meshed)."""
        serial = next(self._serials)
        for voxels in change.voxels:
            for value in change.label_values:
                entry = self._surfaces.get((id(document), value, voxels.t_index))
                if entry is not None:
                    entry.dirty.append((voxels.box, serial))
                    entry.changed = serial
        if change.structure:
            self._forget_closed()
        self._sync(final=change.final)

    def _forget_closed(self) -> None:
        """Drop the surfaces of closed segmentations and of deleted labels."""
        open_documents = {id(d): d for entry in self._session.images
                          for d in entry.segmentations}
        for key, entry in list(self._surfaces.items()):
            document = open_documents.get(key[0])
            if document is not entry.document or not document.segmentation.has_label(
                    entry.value):
                self._drop(key)

    def _drop(self, key: Key) -> None:
        entry = self._surfaces.pop(key)
        if entry.job is not None:
            entry.job.cancel()

    def _sync(self, final: bool) -> None:
        """Start the work shown labels need. ``final``: a change supersedes a re-mesh in
        flight; otherwise (a stroke in progress), and always for a first mesh, the next
        job waits for it. First meshes go at most ``FIRST_MESHES_AT_ONCE`` at a time."""
        first_meshes = sum(1 for entry in self._surfaces.values()
                           if entry.factors is None and entry.in_flight)
        for document, label, array, t_index in self._shown():
            key = (id(document), label.value, t_index)
            entry = self._surfaces.get(key)
            if entry is None or entry.array() is not array:
                if entry is not None:
                    self._drop(key)
                # The old mesh stays on screen until the new one lands.
                entry = self._surfaces[key] = _LabelSurface(
                    document, label.value, t_index, weakref.ref(array),
                    mesh=entry.mesh if entry is not None else None,
                    changed=next(self._serials))
            if not entry.needs_work:
                continue
            if entry.in_flight:
                if final and entry.changed > entry.job_serial and entry.factors is not None:
                    self._submit(key, entry, array)
            elif entry.factors is not None or first_meshes < FIRST_MESHES_AT_ONCE:
                first_meshes += entry.factors is None
                self._submit(key, entry, array)

    def _submit(self, key: Key, entry: _LabelSurface, array: np.ndarray) -> None:
        geometry = entry.document.segmentation.geometry
        labels = array[entry.t_index]
        value, full = entry.value, entry.factors is None
        factors, base = entry.factors, dict(entry.pieces)
        shape = labels.shape
        chunks = [] if full else sorted({chunk for box, _ in entry.dirty
                                         for chunk in chunks_for_box(box, shape, factors)})
        serial = entry.changed

        def work(job: Job) -> tuple[Factors, dict[ChunkIndex, Mesh], Mesh]:
            layout, todo = (label_layout(labels, value, geometry.spacing_zyx) if full
                            else (factors, chunks))
            pieces = {} if full else base
            for chunk, piece in mesh_chunks(labels, value, todo, geometry, layout,
                                            report=job.report).items():
                if piece.triangle_count:
                    pieces[chunk] = piece
                else:
                    pieces.pop(chunk, None)
            return layout, pieces, merge_pieces(pieces.values())

        def land(result: tuple[Factors, dict[ChunkIndex, Mesh], Mesh]) -> None:
            if self._surfaces.get(key) is not entry or entry.job is not job:
                return
            entry.factors, entry.pieces, entry.mesh = result
            entry.dirty = [(box, s) for box, s in entry.dirty if s > serial]
            entry.job = None
            self._session._emit(Topic.SURFACES)
            self._sync(final=False)

        def fail(error: BaseException) -> None:
            if entry.job is job:
                entry.job, entry.failed_serial = None, entry.changed
            self._session._report_error(error)

        name = entry.document.segmentation.label(value).name
        job = self._session.jobs.submit(f"Surface of {name}", work, on_done=land,
                                        on_error=fail, key=f"surface:{key}")
        entry.job, entry.job_serial = job, serial

    # --- the 3D tool's preview ----------------------------------------------------------
    def _sync_preview(self) -> None:
        """Mesh the armed tool's preview (else the 3D interpolation's shape) when it
        changed; drop the old one at once."""
        feedback = self._session.tool_feedback
        preview = (feedback.preview if isinstance(feedback.preview, VolumePreview)
                   else self._session.interpolation_3d_preview)
        if preview is self._preview_source:
            return
        self._preview_source = preview
        if self._preview_job is not None:
            self._preview_job.cancel()
            self._preview_job = None
        if self._preview:
            self._preview = []
            self._session._emit(Topic.SURFACES)
        if preview is None:
            return
        colors = feedback.preview_colors or {None: PREVIEW_RGB}
        geometry = self._session.image_entry.image.geometry
        offset = tuple(span.start for span in preview.box)

        def work(job: Job) -> list[tuple[Mesh, tuple[float, float, float]]]:
            regions = preview.regions
            factors = detail_factors(tuple(slice(0, n) for n in regions.shape),
                                     geometry.spacing_zyx)
            chunks = chunks_for_box(tuple(slice(0, n) for n in regions.shape),
                                    regions.shape, factors)
            meshes = []
            for number, rgb in colors.items():
                labels, value = ((regions != 0, True) if number is None else (regions, number))
                pieces = mesh_chunks(labels, value, chunks, geometry, factors, offset)
                meshes.append((merge_pieces(pieces.values()), rgb))
                job.report(len(meshes) / len(colors))
            return meshes

        def land(meshes: list[tuple[Mesh, tuple[float, float, float]]]) -> None:
            if self._preview_source is preview:
                self._preview, self._preview_job = meshes, None
                self._session._emit(Topic.SURFACES)

        self._preview_job = self._session.jobs.submit(
            "Surface of the preview", work, on_done=land,
            on_error=self._session._report_error, key=PREVIEW_JOB_KEY)
