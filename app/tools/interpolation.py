"""2D slice interpolation: suggestions for the slices between two drawn ones.

Shape-based (signed distance) interpolation, as MITK: for slices L < i < U where the
active label was drawn on L and U, the suggestion on i is (1 - r) * d_L + r * d_U <= 0
with r = (i - L) / (U - L), d being the in-plane distance to the pixel-edge boundary
(negative inside, in mm; see ``demarcate.gpu.distance.interpolate_series``). Several
disjoint pieces per slice are handled by the distance field itself: pieces that overlap
between L and U blend, others shrink away.

Which slices are drawn follows the tool gestures that wrote them (orientation, slice,
time step, label), as MITK tracks its contours: a contour drawn in another orientation
crosses every slice of this one, so voxel presence would make every slice "drawn". A
drawn slice left empty (the user erased it) means "nothing here": no suggestion bridges
it. Labels without recorded gestures (loaded from a file) fall back to voxel presence.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np

from ..gpu.distance import interpolate_series
from ..model.changes import Change
from ..model.document import SegmentationDocument
from .slicing import SlicePosition, plane_of, region_from_plane

#: A pair of consecutive drawn slices (lower, upper) with at least one slice between.
Gap = tuple[int, int]


class DrawnSlices:
    """The slices the user drew on, by orientation, time step and label."""

    def __init__(self) -> None:
        self._indices: dict[tuple[int, int, int], set[int]] = {}
        self._tracked: set[tuple[int, int]] = set()

    def note(self, axis: int, index: int, time_step: int, label: int) -> None:
        self._indices.setdefault((axis, time_step, label), set()).add(index)
        self._tracked.add((time_step, label))

    def forget_emptied(self, document: SegmentationDocument, change: Change) -> None:
        """After an undo, slices whose drawing was undone are no longer "drawn": a
        drawn slice that the undo left without the label is forgotten (an erase the
        user made on purpose is a gesture of its own, and stays drawn)."""
        seg = document.segmentation
        for (axis, time_step, label), indices in self._indices.items():
            if not seg.has_label(label):
                continue
            array = seg.groups[seg.group_index_of(label)].array
            t_index = seg.stored_time_index(time_step)
            for voxels in change.voxels:
                if not voxels.affects_time_step(t_index):
                    continue
                span = voxels.box[axis]
                for index in [i for i in indices if span.start <= i < span.stop]:
                    plane = np.take(array[t_index], index, axis=axis)
                    if not (plane == label).any():
                        indices.discard(index)

    def tracks(self, time_step: int, label: int) -> bool:
        """Was the label drawn with a 2D tool at this time step (in any orientation)?"""
        return (time_step, label) in self._tracked

    def indices(self, axis: int, time_step: int, label: int) -> list[int] | None:
        """Drawn slices in ``axis``; None for an untracked label (use voxel presence)."""
        if not self.tracks(time_step, label):
            return None
        return sorted(self._indices.get((axis, time_step, label), ()))


def gaps_between(drawn: list[int]) -> list[Gap]:
    return [(int(a), int(b)) for a, b in zip(drawn[:-1], drawn[1:], strict=True) if b - a > 1]


def suggestions_by_gap(label_volume_zyx: np.ndarray, label_value: int, axis: int,
                       spacing_zyx: tuple[float, float, float] = (1.0, 1.0, 1.0),
                       drawn: list[int] | None = None,
                       known: dict[Gap, dict[int, np.ndarray]] | None = None,
                       progress: Callable[[float], None] | None = None
                       ) -> dict[Gap, dict[int, np.ndarray]]:
    """Suggested masks per gap between drawn slices along ``axis``.

    ``drawn`` defaults to the slices holding the label. Gaps in ``known`` (computed
    before and untouched since) are reused: an edit recomputes only the gaps it touched.
    ``progress(fraction)`` is called before each gap; a job's report raises there when
    the job is cancelled, which stops the work between gaps.
    """
    other_axes = tuple(k for k in range(3) if k != axis)
    if drawn is None:
        drawn = np.flatnonzero((label_volume_zyx == label_value).any(axis=other_axes)).tolist()
    spacing_rc = tuple(spacing_zyx[k] for k in other_axes)
    known = known or {}
    result: dict[Gap, dict[int, np.ndarray]] = {}
    gaps = gaps_between(drawn)
    for done, (lower, upper) in enumerate(gaps):
        if progress is not None:
            progress(done / len(gaps))
        if (lower, upper) in known:
            result[lower, upper] = known[lower, upper]
            continue
        lower_mask = plane_of(label_volume_zyx, SlicePosition(axis, lower)) == label_value
        upper_mask = plane_of(label_volume_zyx, SlicePosition(axis, upper)) == label_value
        result[lower, upper] = {}
        if not lower_mask.any() or not upper_mask.any():
            continue  # an empty drawn slice: the shape ends there
        ratios = [(index - lower) / (upper - lower) for index in range(lower + 1, upper)]
        masks = interpolate_series(lower_mask, upper_mask, ratios, spacing_rc)
        result[lower, upper] = {index: mask for index, mask
                                in enumerate(masks, start=lower + 1) if mask.any()}
    return result


def suggestions(label_volume_zyx: np.ndarray, label_value: int, axis: int,
                spacing_zyx: tuple[float, float, float] = (1.0, 1.0, 1.0),
                drawn: list[int] | None = None) -> dict[int, np.ndarray]:
    """Suggested masks by slice index (see :func:`suggestions_by_gap`)."""
    gaps = suggestions_by_gap(label_volume_zyx, label_value, axis, spacing_zyx, drawn)
    return {index: mask for masks in gaps.values() for index, mask in masks.items()}


class SliceInterpolator:
    """Suggestions for the active label in one orientation.

    Whoever edits the document tells the interpolator through ``note_change`` (the
    session does it on every change record), which marks the touched slices; only the
    gaps around them are recomputed. ``invalidate`` drops everything.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.axis = 0
        self._gaps: dict[Gap, dict[int, np.ndarray]] = {}
        self._key: tuple | None = None
        #: Slice spans (start, stop) along ``axis`` changed since ``_gaps`` was computed.
        self._dirty: list[tuple[int, int]] = []
        self._drawn: weakref.WeakKeyDictionary[SegmentationDocument, DrawnSlices] = (
            weakref.WeakKeyDictionary())

    @staticmethod
    def key_of(document: SegmentationDocument, axis: int, time_step: int) -> tuple:
        """What the suggestions depend on besides the voxels."""
        return (id(document), document.segmentation.active_label_value, axis, time_step)

    def drawn_slices(self, document: SegmentationDocument) -> DrawnSlices:
        return self._drawn.setdefault(document, DrawnSlices())

    def note_drawn(self, document: SegmentationDocument, position: SlicePosition,
                   label: int) -> None:
        """A finished 2D gesture wrote ``label`` on ``position``'s slice."""
        self.drawn_slices(document).note(position.axis, position.index,
                                         position.time_step, label)
        if position.axis == self.axis:
            self._dirty.append((position.index, position.index + 1))

    def note_change(self, change: Change, group_index: int, t_index: int) -> None:
        """Mark the slices whose voxels of the shown group and time changed."""
        self._dirty.extend((v.box[self.axis].start, v.box[self.axis].stop)
                           for v in change.voxels
                           if v.group_index == group_index and v.affects_time_step(t_index))

    def invalidate(self) -> None:
        self._key, self._gaps, self._dirty = None, {}, []

    def is_current(self, document: SegmentationDocument, axis: int, time_step: int) -> bool:
        return self._key == self.key_of(document, axis, time_step) and not self._dirty

    def plan(self, document: SegmentationDocument, axis: int, time_step: int
             ) -> tuple[tuple, list[int] | None, dict[Gap, dict[int, np.ndarray]], int]:
        """What a recomputation needs, taken on the UI thread: the key, the drawn slices
        (None: voxel presence), the gaps still valid, and how many dirty marks it settles."""
        key = self.key_of(document, axis, time_step)
        value = document.segmentation.active_label_value
        drawn = self.drawn_slices(document).indices(axis, time_step, value)
        known = {} if key != self._key else {
            gap: masks for gap, masks in self._gaps.items()
            if not any(start <= gap[1] and gap[0] < stop for start, stop in self._dirty)}
        return key, drawn, known, len(self._dirty)

    def update(self, document: SegmentationDocument, axis: int, time_step: int) -> None:
        """Recompute (here and now) unless the suggestions are current."""
        self.axis = axis
        if not self.enabled or document.segmentation.active_label_value is None:
            self.set_result(None, {})
            return
        if self.is_current(document, axis, time_step):
            return
        key, drawn, known, settled = self.plan(document, axis, time_step)
        self.set_result(key, compute_suggestions(document, axis, time_step, drawn, known),
                        settled)

    def set_result(self, key: tuple | None, gaps: dict[Gap, dict[int, np.ndarray]],
                   settled: int | None = None) -> None:
        """Take suggestions computed elsewhere (a background job) for ``key``; the first
        ``settled`` dirty marks (all by default) were taken into account."""
        self._key, self._gaps = key, gaps
        del self._dirty[:settled]

    def suggestion_for(self, axis: int, index: int) -> np.ndarray | None:
        if axis != self.axis:
            return None
        return next((masks[index] for masks in self._gaps.values() if index in masks), None)

    @property
    def slice_indices(self) -> list[int]:
        return sorted(index for masks in self._gaps.values() for index in masks)

    def confirm(self, document: SegmentationDocument, time_step: int,
                indices: list[int] | None = None) -> int:
        """Write the suggestions of ``indices`` (all by default) as one undo step; for a
        label drawn with the tools they then count as drawn, as MITK's accepted slices."""
        chosen = self.slice_indices if indices is None else indices
        value = document.segmentation.active_label_value
        drawn = self.drawn_slices(document)
        changed = 0
        with document.step("Confirm interpolation"):
            for index in chosen:
                mask = self.suggestion_for(self.axis, index)
                if mask is None:
                    continue
                position = SlicePosition(self.axis, index, time_step)
                changed += document.write(region_from_plane(mask, position), time_step)
                if value is not None and drawn.tracks(time_step, value):
                    self.note_drawn(document, position, value)
                self._dirty.append((index, index + 1))
        return changed


def compute_suggestions(document: SegmentationDocument, axis: int, time_step: int,
                        drawn: list[int] | None = None,
                        known: dict[Gap, dict[int, np.ndarray]] | None = None,
                        progress: Callable[[float], None] | None = None
                        ) -> dict[Gap, dict[int, np.ndarray]]:
    """Suggestions for the document's active label (empty without one)."""
    seg = document.segmentation
    value = seg.active_label_value
    if value is None:
        return {}
    volume = seg.groups[seg.group_index_of(value)].array[seg.stored_time_index(time_step)]
    return suggestions_by_gap(volume, value, axis, seg.geometry.spacing_zyx, drawn, known,
                              progress)
