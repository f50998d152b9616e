"""Label statistics of the selected segmentation, kept current through change records.

Mixed into ``Session``. A table is kept per (segmentation, time step) once asked for.
An edit's final change record names the labels whose voxels changed and the boxes it
wrote; afterwards a label's voxels lie in its old bounding box or in those boxes, so
only the named labels are recounted, over the hull of those boxes, and every other row
stays as it was. A structure change (labels or groups added, removed or reordered)
recounts over its whole group a label it gave another group array (make static or
dynamic, undo of a group removal) or added; the boxes of its voxel changes serve for
the others, whatever group its (no longer valid) group indices name. A rename or a new
colour recounts nothing: rows read the names when they are made.

Counting runs on the job runner, reading the live label arrays, and lands on the UI
thread. Any change of the segmentation while it runs cancels it (a count that may
have read half an edit is never shown), and the labels stay due for the next count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import formats
from ..model.changes import Change
from ..model.document import SegmentationDocument
from ..model.image import ReferenceImage
from ..model.segmentation import Segmentation
from ..model.statistics import (
    Box,
    LabelSums,
    StatisticsRow,
    hull,
    label_sums,
    statistics_rows,
    whole_box,
)
from .events import Topic
from .jobs import Job, JobRunner


@dataclass
class _Table:
    """One (segmentation, time step): the labels counted (and the group array each was
    counted in), and the labels due for a recount with a box that holds all their
    voxels now."""

    sums: dict[int, LabelSums] = field(default_factory=dict)
    arrays: dict[int, np.ndarray] = field(default_factory=dict)
    due: dict[int, Box] = field(default_factory=dict)
    job: Job | None = None  # the count under way

    def mark(self, value: int, box: Box) -> None:
        """Voxels of ``value`` may have changed inside ``box``."""
        if value in self.due:
            self.due[value] = hull(self.due[value], box)
        elif value in self.sums:
            self.due[value] = hull(self.sums[value].box, box)
        # A label never counted is counted over its whole group anyway.

    def forget(self, value: int) -> None:
        for known in (self.sums, self.arrays, self.due):
            known.pop(value, None)

    def regions(self, document: SegmentationDocument) -> dict[int, Box | None]:
        """What the next count reads: the due labels and those never counted."""
        seg = document.segmentation
        whole = whole_box(seg.shape_zyx)
        return {label.value: self.due.get(label.value, whole) for label in seg.labels
                if label.value in self.due or label.value not in self.sums}


def _array_of(seg: Segmentation, value: int) -> np.ndarray | None:
    return seg.groups[seg.group_index_of(value)].array if seg.has_label(value) else None


class StatisticsKeeper:
    """The tables of every (segmentation, time step) asked for, and their counts."""

    def __init__(self, jobs: JobRunner, on_counted: Callable[[], None],
                 on_error: Callable[[BaseException], None]) -> None:
        self._jobs = jobs
        self._on_counted = on_counted
        self._on_error = on_error
        self._tables: dict[tuple[int, int], _Table] = {}  # (id(document), time step)

    def _tables_of(self, document: SegmentationDocument) -> list[tuple[int, _Table]]:
        return [(time_step, table) for (key, time_step), table in self._tables.items()
                if key == id(document)]

    def on_change(self, document: SegmentationDocument, change: Change) -> None:
        """Cancel counts the change may tear; on its final record, mark what it named."""
        if not (change.voxels or change.structure):
            return
        seg = document.segmentation
        for time_step, table in self._tables_of(document):
            if table.job is not None:
                table.job.cancel()
                table.job = None
            if not change.final:
                continue
            for value in change.label_values:
                # A structure change can move a label to another array (make static,
                # undo of a group removal) and shift the records' group indices.
                if change.structure and table.arrays.get(value) is not _array_of(seg, value):
                    table.forget(value)
                    continue
                for voxels in change.voxels:
                    if voxels.affects_time_step(time_step) and (change.structure or value in (
                            seg.groups[voxels.group_index].label_values())):
                        table.mark(value, voxels.box)

    def forget(self, document: SegmentationDocument) -> None:
        for time_step, table in self._tables_of(document):
            if table.job is not None:
                table.job.cancel()
            del self._tables[(id(document), time_step)]

    def update(self, document: SegmentationDocument, image: ReferenceImage,
               time_step: int) -> Job | None:
        """Count what is due at ``time_step``; None when the table is current."""
        document.segmentation.stored_time_index(time_step)  # refuses a wrong one
        key = (id(document), time_step)
        table = self._tables.setdefault(key, _Table())
        regions = table.regions(document)
        if not regions:
            return None
        if table.job is not None:
            return table.job
        seg = document.segmentation
        image_zyx = image.array[time_step]

        def land(sums: dict[int, LabelSums]) -> None:
            table.job = None
            table.sums.update(sums)
            table.arrays.update((value, _array_of(seg, value)) for value in sums)
            for value in regions:
                table.due.pop(value, None)
            self._on_counted()

        table.job = self._jobs.submit(
            "Counting label statistics",
            lambda job: label_sums(seg, image_zyx, time_step, regions),
            on_done=land, on_error=self._on_error)
        return table.job

    def rows(self, document: SegmentationDocument, time_step: int
             ) -> list[StatisticsRow] | None:
        """The table, or None while labels are due for a count (or it was never asked
        for)."""
        table = self._tables.get((id(document), time_step))
        if table is None or table.regions(document):
            return None
        return statistics_rows(document.segmentation, table.sums)


class StatisticsActions:
    """Needs from ``Session``: ``jobs``, ``document``, ``image_entry``, ``time_step``,
    ``_emit`` and ``_report_error``."""

    jobs: JobRunner
    time_step: int
    _statistics: StatisticsKeeper

    def _start_statistics(self) -> None:
        self._statistics = StatisticsKeeper(
            self.jobs, lambda: self._emit(Topic.STATISTICS), self._report_error)

    def update_label_statistics(self, time_step: int | None = None) -> Job | None:
        """Bring the label statistics of the selected segmentation at a time step (the
        shown one) up to date on the job runner: only labels changed since the last
        count are recounted. Returns the count (its landing announces
        ``Topic.STATISTICS``), or None when the table is already current."""
        time_step = self.time_step if time_step is None else time_step
        return self._statistics.update(self.document, self.image_entry.image, time_step)

    def label_statistics(self, time_step: int | None = None) -> list[StatisticsRow] | None:
        """The table (every label of every group) at a time step (the shown one), or None
        until ``update_label_statistics`` has counted what changed."""
        time_step = self.time_step if time_step is None else time_step
        return self._statistics.rows(self.document, time_step)

    def export_label_statistics(self, path: str | Path, time_step: int | None = None) -> Job:
        """Write the current table as CSV (atomically, on the job runner). The file is
        written from rows made on this thread, never from voxels an edit is changing."""
        rows = self.label_statistics(time_step)
        if rows is None:
            raise LookupError("the label statistics are still being counted: export them "
                              "once the table is shown")
        return self.jobs.submit(f"Exporting {Path(path).name}",
                                lambda job: formats.write_statistics_csv(rows, path),
                                on_error=self._report_error)
