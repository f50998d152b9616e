"""Change records: what one edit, undo or redo did to a segmentation.

Views, panels, the interpolator (and later the 3D view and statistics) subscribe to a
document's changes instead of polling it, and use the record to redo only the part of
their work that the change touches: a slice view recomposites only when a changed box
crosses its slice, the label panel rebuilds only the rows of the changed labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

T = TypeVar("T")


class Signal(Generic[T]):
    """A list of listeners called in order with each emitted value.

    Listeners run synchronously on the emitting thread, which for documents is always
    the UI thread: background work hands its results to the session, which applies them
    there.
    """

    def __init__(self) -> None:
        self._listeners: list[Callable[[T], None]] = []

    def connect(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Add a listener; returns the function that removes it again."""
        self._listeners.append(listener)
        return lambda: self.disconnect(listener)

    def disconnect(self, listener: Callable[[T], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, value: T) -> None:
        for listener in list(self._listeners):
            listener(value)


class ChangeKind(Enum):
    EDIT = "edit"  # a finished step (one undo entry)
    UNDO = "undo"
    REDO = "redo"
    ROLLBACK = "rollback"  # a failed step was reverted
    IN_PROGRESS = "in_progress"  # voxels written inside a step that is still open
    SELECTION = "selection"  # the active label moved: not an edit, no undo step


@dataclass(frozen=True)
class VoxelChange:
    """One changed box of one group at one stored time index."""

    group_index: int
    t_index: int
    box: tuple[slice, slice, slice]
    #: A static segmentation of a 3D+t image stores one mask for every time step.
    all_time_steps: bool = False

    def affects_time_step(self, time_step: int) -> bool:
        return self.all_time_steps or self.t_index == time_step

    def crosses_slice(self, axis: int, index: int) -> bool:
        """Does the box cut the plane ``index`` perpendicular to array axis ``axis``?"""
        span = self.box[axis]
        return span.start <= index < span.stop


@dataclass(frozen=True)
class Change:
    """Everything a subscriber needs to decide what to redo after one step.

    ``label_values`` names every label whose voxels or properties changed (for an
    in-progress record: the label being written). ``metadata`` is set when label or
    group properties changed (name, colour, opacity, visibility, lock, active label);
    ``structure`` when groups or labels were added, removed or reordered, after which
    group indices of earlier records no longer hold.
    """

    kind: ChangeKind
    description: str
    voxels: tuple[VoxelChange, ...] = ()
    label_values: frozenset[int] = frozenset()
    metadata: bool = False
    structure: bool = False

    @property
    def final(self) -> bool:
        """False for in-progress records; the step's own record follows when it ends."""
        return self.kind is not ChangeKind.IN_PROGRESS

    def touches_slice(self, axis: int, index: int, time_step: int) -> bool:
        """Does the change alter what a slice view at (axis, index, time step) shows?"""
        if self.structure or self.metadata:
            return True
        return any(v.affects_time_step(time_step) and v.crosses_slice(axis, index)
                   for v in self.voxels)

    def touches_group_at(self, group_index: int, time_step: int) -> bool:
        """Did voxels of ``group_index`` at ``time_step`` change (or the structure)?"""
        return self.structure or any(
            v.group_index == group_index and v.affects_time_step(time_step)
            for v in self.voxels)
