"""Keeps the 2D interpolation suggestions current without blocking the window.

The suggestions depend on the active label's voxels in the shown time step, on the
slices drawn with 2D tools and on the orientation the user draws in. Change records tell
which slices changed; only the gaps between drawn slices around them are recomputed. The
recomputation then runs on the job runner (latest wins: a newer edit supersedes a
computation in progress) and lands on the UI thread. A worker reads the live label
array; an edit made while it runs announces a change, whose newer job replaces it, so
a result computed from a half-edited volume is never shown.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model.changes import Change, ChangeKind
from ..model.document import SegmentationDocument
from ..tools.interpolation import SliceInterpolator, compute_suggestions
from ..tools.slicing import SlicePosition
from .jobs import Job, JobRunner

JOB_KEY = "interpolation"


class InterpolationUpdater:
    def __init__(self, jobs: JobRunner, on_updated: Callable[[], None]) -> None:
        self.interpolator = SliceInterpolator()
        self._jobs = jobs
        self._on_updated = on_updated
        self._pending: Job | None = None

    @property
    def pending(self) -> bool:
        """A recomputation is running or waiting to be delivered."""
        return self._pending is not None and not self._pending.cancel_requested

    def set_enabled(self, enabled: bool, document: SegmentationDocument | None,
                    time_step: int) -> None:
        self.interpolator.enabled = bool(enabled)
        self.refresh(document, time_step)

    def set_axis(self, axis: int, document: SegmentationDocument | None,
                 time_step: int) -> None:
        if axis != self.interpolator.axis:
            self.interpolator.axis = axis
            self.refresh(document, time_step)

    def on_change(self, document: SegmentationDocument, change: Change,
                  time_step: int) -> None:
        """Recompute after a finished change of the active label's group (or selection).

        While a stroke is in progress a running computation is dropped, since it may
        have read half of the stroke; the stroke's final record starts the next one.
        """
        if change.kind is ChangeKind.UNDO:
            self.interpolator.drawn_slices(document).forget_emptied(document, change)
        if not self.interpolator.enabled:
            return
        seg = document.segmentation
        value = seg.active_label_value
        if change.kind is ChangeKind.SELECTION or change.structure or value is None:
            self.interpolator.invalidate()
        else:
            self.interpolator.note_change(change, seg.group_index_of(value),
                                          seg.stored_time_index(time_step))
        if not change.final:
            self._cancel_pending()
            return
        self.refresh(document, time_step)

    def note_drawn(self, document: SegmentationDocument, position: SlicePosition) -> None:
        """A finished 2D gesture wrote on ``position``'s slice (with the active label)."""
        value = document.segmentation.active_label_value
        if value is not None:
            self.interpolator.note_drawn(document, position, value)

    def refresh(self, document: SegmentationDocument | None, time_step: int) -> None:
        """Start a recomputation unless the suggestions are current; clears them when
        interpolation is off or there is nothing to interpolate."""
        interpolator = self.interpolator
        axis = interpolator.axis
        if (document is None or not interpolator.enabled
                or document.segmentation.active_label_value is None):
            self._cancel_pending()
            interpolator.set_result(None, {})
            self._on_updated()
            return
        if interpolator.is_current(document, axis, time_step):
            return
        key, drawn, known, settled = interpolator.plan(document, axis, time_step)

        def work(job: Job) -> dict:
            return compute_suggestions(document, axis, time_step, drawn, known,
                                       progress=job.report)

        def land(result: dict) -> None:
            self._pending = None
            interpolator.set_result(key, result, settled)
            self._on_updated()

        self._pending = self._jobs.submit("Interpolating", work, on_done=land, key=JOB_KEY)

    def ensure_current(self, document: SegmentationDocument, time_step: int) -> None:
        """Compute now (on this thread) if a job is still working: Confirm must act on
        the suggestions of what the user sees, never on an older set."""
        if not self.interpolator.is_current(document, self.interpolator.axis, time_step):
            self._cancel_pending()
            self.interpolator.update(document, self.interpolator.axis, time_step)

    def _cancel_pending(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = None
