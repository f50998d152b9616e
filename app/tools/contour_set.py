"""The contours that feed the 3D interpolation: MITK's position nodes.

A contour is the label's mask on one drawn plane (orientation, slice, time step), taken
when a 2D gesture that wrote on the plane ends, as MITK records a contour per finished
tool interaction. Contours are kept per (label, time step); a new contour on a plane
that already has one replaces it (the plane now holds the newer drawing). An empty
mask is kept: the user erased the plane, a drawn "nothing here".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.changes import Change, ChangeKind
from ..model.document import SegmentationDocument
from ..model.history import Step
from .slicing import SlicePosition, plane_of

#: Reinit takes this many slices of a label drawn without recorded contours.
REINIT_CONTOURS = 7


@dataclass(frozen=True, eq=False)
class Contour:
    label: int
    time_step: int
    axis: int  # 0, 1, 2: the array axis the plane is perpendicular to
    index: int
    mask: np.ndarray  # the whole plane, bool
    step: Step | None = None  # the undo step of the gesture that drew it

    @property
    def position(self) -> SlicePosition:
        return SlicePosition(self.axis, self.index, self.time_step)


class ContourSets:
    """One document's contours, by label and time step, in the order they were drawn."""

    def __init__(self) -> None:
        self._sets: dict[tuple[int, int], list[Contour]] = {}
        self._undone: list[Contour] = []  # dropped by undos, back if redone

    def contours(self, label: int, time_step: int) -> list[Contour]:
        return list(self._sets.get((label, time_step), ()))

    def all(self) -> list[Contour]:
        return [c for key in sorted(self._sets) for c in self._sets[key]]

    def record(self, contour: Contour) -> None:
        """Add ``contour``; it replaces one on the same plane."""
        kept = [c for c in self._sets.get((contour.label, contour.time_step), ())
                if (c.axis, c.index) != (contour.axis, contour.index)]
        self._sets[contour.label, contour.time_step] = [*kept, contour]

    def remove(self, label: int, time_step: int, number: int) -> Contour:
        """Remove the ``number``-th contour (in drawing order) and return it."""
        return self._sets[label, time_step].pop(number)

    def replace(self, label: int, time_step: int, contours: list[Contour]) -> None:
        self._sets[label, time_step] = list(contours)

    def follow_history(self, document: SegmentationDocument, change: Change) -> bool:
        """After an undo or redo: a contour whose gesture was undone leaves, and comes
        back when it is redone; one whose gesture left the history stays, unless it was
        undone (it can no longer come back). True if any went or came.

        By the gesture's undo step, not by the plane's voxels: a later gesture in
        another orientation crosses the plane and changes it, which must not make the
        earlier contour count as undone."""
        if change.kind not in (ChangeKind.UNDO, ChangeKind.REDO):
            return False
        kept: dict[tuple[int, int], list[Contour]] = {}
        undone, moved = [], False
        for contour in self.all() + self._undone:
            was_kept = all(contour is not c for c in self._undone)
            stack = None if contour.step is None else document.history.stack_of(
                contour.step)
            if stack == "redo":
                undone.append(contour)
                moved |= was_kept
            elif stack == "undo" or was_kept:
                kept.setdefault((contour.label, contour.time_step), []).append(contour)
                moved |= not was_kept
        self._sets, self._undone = kept, undone
        return moved


def contour_of(document: SegmentationDocument, label: int, position: SlicePosition,
               step: Step | None = None) -> Contour:
    """The label's mask on ``position``'s plane, as a contour drawn by ``step`` (None:
    by no step of the history, e.g. taken by Reinit)."""
    seg = document.segmentation
    volume = seg.groups[seg.group_index_of(label)].array[seg.stored_time_index(
        position.time_step)]
    return Contour(label, position.time_step, position.axis, position.index,
                   np.array(plane_of(volume, position) == label), step)


def reinit_positions(document: SegmentationDocument, label: int, time_step: int,
                     spacing_zyx: tuple[float, float, float]) -> list[SlicePosition]:
    """Where Reinit takes contours of a label already drawn: along the axis where the
    label is longest in mm (sparse contours across the long axis describe it best), its
    first and last slice and evenly spaced ones between, :data:`REINIT_CONTOURS` in
    all (fewer if it spans fewer slices)."""
    seg = document.segmentation
    volume = seg.groups[seg.group_index_of(label)].array[seg.stored_time_index(time_step)]
    inside = volume == label
    spans = {}
    for axis in range(3):
        others = tuple(k for k in range(3) if k != axis)
        spans[axis] = np.flatnonzero(inside.any(axis=others))
    if spans[0].size == 0:
        return []
    axis = max(range(3), key=lambda k: (spans[k][-1] - spans[k][0] + 1) * spacing_zyx[k])
    held = spans[axis]
    picks = np.unique(np.round(np.linspace(0, held.size - 1, min(REINIT_CONTOURS,
                                                                  held.size))).astype(int))
    return [SlicePosition(axis, int(held[k]), time_step) for k in picks]
