"""Keeps the 3D interpolation's shape current without blocking the window.

The shape depends only on the active label's contours at the shown time step (see
``demarcate.tools.contour_set``). From the second contour on, every change of them
starts a computation on the job runner: a coarse preview first, then the exact shape
(latest wins: a newer contour cancels both). The contours are copies, so a worker never
reads the live label array. With "Use the image" the exact shape is the image-aware
segmentation of the same contours (``demarcate.gpu.guided_segmentation``), with the
interpolated shape as its prior; the coarse preview stays the interpolation alone. The
result is kept as a ``VolumePreview`` (its bounding box only) and shown by the slice
views and the 3D view until Confirm writes it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np

from ..formats.contour_header import KEY, decode_contours, encode_contours
from ..gpu.backend import crop_to_bounding_box
from ..gpu.contour_interpolation import interpolate_contours, interpolate_contours_in_box
from ..gpu.guided_segmentation import segment_from_contours
from ..model.changes import Change, ChangeKind
from ..model.document import SegmentationDocument
from ..model.segmentation import Segmentation
from ..model.write import MaskRegion
from ..tools.base import VolumePreview
from ..tools.contour_set import Contour, ContourSets, contour_of, reinit_positions
from ..tools.slicing import SlicePosition
from .jobs import Job, JobRunner

JOB_KEY = "interpolation:3d"
#: Grid cells of the first, quick preview are this many times wider (see the kernel).
COARSE = 4


def shape_of(contours: list[Contour], segmentation: Segmentation, coarse: int = 1,
             image_zyx: np.ndarray | None = None,
             progress: Callable[[float], None] | None = None) -> VolumePreview | None:
    """The interpolated shape of ``contours`` (None when it is empty); with
    ``image_zyx``, the image-aware segmentation that refines it. ``progress`` as the
    kernel's (a job's report: cancelling stops the work)."""
    axes, indices = [c.axis for c in contours], [c.index for c in contours]
    masks, spacing_zyx = [c.mask for c in contours], segmentation.geometry.spacing_zyx
    if image_zyx is not None:
        prior = interpolate_contours(axes, indices, masks, segmentation.shape_zyx,
                                     spacing_zyx, coarse=coarse, progress=progress)
        found = crop_to_bounding_box(segment_from_contours(
            image_zyx, axes, indices, masks, spacing_zyx, shape_prior=prior))
    else:
        found = interpolate_contours_in_box(axes, indices, masks, segmentation.shape_zyx,
                                            spacing_zyx, coarse=coarse, progress=progress)
    if found is None:
        return None
    mask, box = found
    return VolumePreview(mask, box, contours[0].time_step)


class ContourInterpolationUpdater:
    def __init__(self, jobs: JobRunner, on_updated: Callable[[], None],
                 image_at: Callable[[int], np.ndarray]) -> None:
        self.enabled = False
        self.use_image = False  # the exact shape follows the image (see the docstring)
        self._image_at = image_at  # the shown image at a time step
        self.preview: VolumePreview | None = None
        self.exact = False  # the preview is the exact shape, not the coarse one
        self.note = ""  # what the user should know (contours of a file ignored, ...)
        self._jobs = jobs
        self._on_updated = on_updated
        self._pending: Job | None = None
        self._generation = 0  # results of older generations are dropped on landing
        self._sets: weakref.WeakKeyDictionary[SegmentationDocument, ContourSets] = (
            weakref.WeakKeyDictionary())

    @property
    def pending(self) -> bool:
        return self._pending is not None and not self._pending.cancel_requested

    def contour_sets(self, document: SegmentationDocument) -> ContourSets:
        return self._sets.setdefault(document, ContourSets())

    def contours(self, document: SegmentationDocument | None, time_step: int
                 ) -> list[Contour]:
        """The active label's contours at ``time_step``, in drawing order."""
        label = None if document is None else document.segmentation.active_label_value
        if label is None:
            return []
        return self.contour_sets(document).contours(label, time_step)

    # --- what changes the contours --------------------------------------------------------
    def record(self, document: SegmentationDocument, position: SlicePosition) -> None:
        """A finished 2D gesture of the active label wrote on ``position``'s plane."""
        label = document.segmentation.active_label_value
        if not self.enabled or label is None:
            return
        self.contour_sets(document).record(
            contour_of(document, label, position, document.history.last_step))
        self.refresh(document, position.time_step)

    def on_change(self, document: SegmentationDocument, change: Change,
                  time_step: int) -> None:
        """An undo drops the contours it took back, a redo brings them back; another
        active label has its own."""
        if self.contour_sets(document).follow_history(document, change):
            self.refresh(document, time_step)
        elif change.kind is ChangeKind.SELECTION or change.structure:
            self.refresh(document, time_step)

    def remove(self, document: SegmentationDocument, time_step: int, number: int) -> None:
        label = document.segmentation.active_label_value
        if label is None:
            raise ValueError("no active label")
        self.contour_sets(document).remove(label, time_step, number)
        self.refresh(document, time_step)

    def reinit(self, document: SegmentationDocument, time_step: int) -> int:
        """Contours from the active label's voxels (see ``reinit_positions``); returns
        how many."""
        label = document.segmentation.active_label_value
        if label is None:
            raise ValueError("no active label")
        positions = reinit_positions(document, label, time_step,
                                     document.segmentation.geometry.spacing_zyx)
        self.contour_sets(document).replace(
            label, time_step, [contour_of(document, label, p) for p in positions])
        self.refresh(document, time_step)
        return len(positions)

    # --- computing the shape --------------------------------------------------------------
    def refresh(self, document: SegmentationDocument | None, time_step: int) -> None:
        """Start the coarse-then-exact computation, or clear the shape when off or with
        fewer than two contours."""
        self._cancel_pending()
        contours = self.contours(document, time_step) if self.enabled else []
        self.preview, self.exact = None, False
        if len(contours) < 2:
            self._on_updated()
            return
        segmentation = document.segmentation
        generation = self._generation

        image_zyx = self._image_at(time_step) if self.use_image else None

        def start(coarse: int) -> None:
            def work(job: Job) -> VolumePreview | None:
                job.report(0.0, "coarse preview" if coarse > 1 else "exact shape")
                return shape_of(contours, segmentation, coarse,
                                image_zyx if coarse == 1 else None, job.report)

            def land(preview: VolumePreview | None) -> None:
                if generation != self._generation:
                    return
                self._pending = None
                self.preview, self.exact = preview, coarse == 1
                if coarse > 1:
                    start(1)
                self._on_updated()

            self._pending = self._jobs.submit("3D interpolation", work, on_done=land,
                                              key=JOB_KEY)

        start(COARSE)
        self._on_updated()

    def ensure_exact(self, document: SegmentationDocument, time_step: int) -> None:
        """Compute the exact shape here and now unless it is what is shown: Confirm must
        write what the contours give, never a coarse preview."""
        if self.exact and not self.pending:
            return
        self._cancel_pending()
        contours = self.contours(document, time_step)
        if len(contours) < 2:
            raise ValueError("draw at least two contours for the 3D interpolation")
        image_zyx = self._image_at(time_step) if self.use_image else None
        self.preview = shape_of(contours, document.segmentation, 1, image_zyx)
        self.exact = True

    def confirm(self, document: SegmentationDocument, time_step: int) -> int:
        """Write the exact shape into the active label as one undo step (locks apply)."""
        self.ensure_exact(document, time_step)
        preview = self.preview
        if preview is None:
            return 0
        region = MaskRegion(preview.regions, tuple(s.start for s in preview.box))
        changed = document.write(region, time_step, description="Confirm 3D interpolation")
        self._on_updated()
        return changed

    def _cancel_pending(self) -> None:
        self._generation += 1
        if self._pending is not None:
            self._pending.cancel()
        self._pending = None

    # --- saved with the segmentation ------------------------------------------------------
    def store(self, document: SegmentationDocument, segmentation: Segmentation) -> None:
        """Put the document's contours into ``segmentation``'s header (a copy about to be
        saved); a set too large to store is left out, with a note."""
        segmentation.extra_header.pop(KEY, None)
        contours = [c for c in self.contour_sets(document).all()
                    if segmentation.has_label(c.label)]
        if not contours:
            return
        try:
            segmentation.extra_header[KEY] = encode_contours(
                [(c.label, c.time_step, c.axis, c.index, c.mask) for c in contours])
        except ValueError as error:
            self.note = f"3D interpolation contours not saved: {error}"
            self._on_updated()

    def restore(self, document: SegmentationDocument) -> None:
        """Take the contours a read file holds; a value that cannot be read is ignored
        (the segmentation loads all the same) and the note says why."""
        seg = document.segmentation
        text = seg.extra_header.pop(KEY, None)
        if text is None:
            return
        try:
            records = decode_contours(text, seg.shape_zyx, seg.time_steps,
                                      {label.value for label in seg.labels})
        except ValueError as error:
            self.note = (f"The 3D interpolation contours saved in {seg.name} were ignored: "
                         f"{error}.")
            self._on_updated()
            return
        sets = self.contour_sets(document)
        for label, time_step, axis, index, mask in records:
            sets.record(Contour(label, time_step, axis, index, mask))
