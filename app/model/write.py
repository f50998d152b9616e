"""The one write path: every tool changes voxels through ``write_mask`` or ``erase_mask``.

Semantics follow MITK's label transfer (docs: segmentation-semantics.md):

* regard locks (default): a voxel may become the active label A when it already is A,
  when it is unlabeled (and the unlabeled lock is off), or when its label is unlocked;
  ignore locks (Picking relabel): every voxel of the mask becomes A.
* merge (2D strokes): A grows by the mask and nothing else of A changes; replace (3D
  confirms): inside the mask's box, A becomes exactly the mask, so voxels of A in the
  box but outside the mask are cleared.
* erasing only ever clears voxels of the given label.

Every function reports the voxels it is about to change to ``record`` *before* it
changes them, which is how the undo history gets its deltas without copying volumes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from .segmentation import Segmentation

BeforeRecorder = Callable[[int, int, tuple[slice, ...], np.ndarray], None]


class WriteMode(Enum):
    MERGE = "merge"
    REPLACE = "replace"


@dataclass(frozen=True)
class MaskRegion:
    """A boolean (Z, Y, X) mask placed at ``offset_zyx`` in the volume.

    Tools hand over only the bounding box of what they drew, which keeps brush dabs
    and undo deltas proportional to the stroke, not to the volume.
    """

    mask: np.ndarray
    offset_zyx: tuple[int, int, int] = (0, 0, 0)

    @classmethod
    def from_full(cls, mask: np.ndarray) -> MaskRegion:
        """Region covering the whole volume (3D confirms)."""
        return cls(np.asarray(mask, dtype=bool), (0, 0, 0))

    def clipped(self, shape_zyx: tuple[int, int, int]) -> MaskRegion | None:
        """The part that lies inside a volume of ``shape_zyx``; None if nothing does."""
        starts = []
        mask_slices = []
        for offset, size, extent in zip(self.offset_zyx, self.mask.shape, shape_zyx, strict=True):
            lo = max(offset, 0)
            hi = min(offset + size, extent)
            if hi <= lo:
                return None
            starts.append(lo)
            mask_slices.append(slice(lo - offset, hi - offset))
        return MaskRegion(self.mask[tuple(mask_slices)], tuple(starts))

    def volume_slices(self) -> tuple[slice, slice, slice]:
        return tuple(
            slice(o, o + s) for o, s in zip(self.offset_zyx, self.mask.shape, strict=True)
        )


def _writable_values(seg: Segmentation, target_value: int) -> np.ndarray:
    """Lookup table: may a voxel holding value v become ``target_value``?

    The last entry is False and stands for every value beyond the group's labels
    (``np.take(..., mode="clip")`` maps them there), so unknown values count as locked.
    """
    group = seg.groups[seg.group_index_of(target_value)]
    values = group.label_values()
    table = np.zeros(max(values, default=0) + 2, dtype=bool)
    table[0] = not seg.unlabeled_locked
    for label in group.labels:
        table[label.value] = not label.locked
    table[target_value] = True
    return table


@dataclass(frozen=True)
class _Target:
    """Where a write lands: the group, the stored time index, and the box of voxels."""

    group_index: int
    t_index: int
    mask: np.ndarray
    box: tuple[slice, ...]
    current: np.ndarray  # a view of the box in the group array


def _target(
    seg: Segmentation, region: MaskRegion, time_step: int, label_value: int
) -> _Target | None:
    if region.mask.ndim != 3:
        raise ValueError(f"mask must be 3D (Z, Y, X), got {region.mask.ndim}D")
    group_index = seg.group_index_of(label_value)
    t_index = seg.stored_time_index(time_step)
    clipped = region.clipped(seg.shape_zyx)
    if clipped is None:
        return None
    box = clipped.volume_slices()
    current = seg.groups[group_index].array[t_index][box]
    return _Target(group_index, t_index, clipped.mask.astype(bool, copy=False), box, current)


def _store(target: _Target, new: np.ndarray, record: BeforeRecorder | None) -> int:
    """Put ``new`` into the box, reporting the old voxels first; returns voxels changed."""
    count = int(np.count_nonzero(new != target.current))
    if count:
        if record is not None:
            record(target.group_index, target.t_index, target.box, target.current.copy())
        target.current[...] = new
    return count


def write_mask(
    seg: Segmentation,
    region: MaskRegion,
    time_step: int,
    label_value: int,
    *,
    mode: WriteMode = WriteMode.MERGE,
    regard_locks: bool = True,
    record: BeforeRecorder | None = None,
) -> int:
    """Write ``region`` into label ``label_value`` at ``time_step``; return voxels changed."""
    target = _target(seg, region, time_step, label_value)
    if target is None:
        return 0
    current, mask = target.current, target.mask
    if regard_locks:
        mask = mask & np.take(_writable_values(seg, label_value), current, mode="clip")
    new = current.copy()
    new[mask] = label_value
    if mode is WriteMode.REPLACE:
        new[(current == label_value) & ~target.mask] = 0
    return _store(target, new, record)


def erase_mask(
    seg: Segmentation,
    region: MaskRegion,
    time_step: int,
    label_value: int,
    *,
    record: BeforeRecorder | None = None,
) -> int:
    """Clear voxels of ``label_value`` inside the mask; other labels are never touched."""
    target = _target(seg, region, time_step, label_value)
    if target is None:
        return 0
    current = target.current
    return _store(target, np.where(target.mask & (current == label_value), 0, current), record)
