"""Undo/redo history that stores only what changed, compressed, under a memory budget.

A step is a list of deltas applied in order on redo and in reverse on undo:

* ``VoxelDelta``: the cropped box of changed voxels of one group at one time step,
  before and after, zstd-compressed (label maps are long runs, so a full-volume
  change usually compresses to a small fraction of its raw size);
* ``MetadataDelta``: label/group metadata before and after (names, colours, locks...);
* ``GroupDelta``: a whole group inserted or removed, its array compressed.

zstandard is used rather than zlib because it compresses label maps to a similar size
several times faster, which keeps a 3D confirm's undo bookkeeping short.
"""

from __future__ import annotations

import copy
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import zstandard

from ..gpu.backend import bounding_box
from .changes import Change, ChangeKind, VoxelChange
from .segmentation import GroupState, LabelGroup, MetadataState, Segmentation

DEFAULT_BUDGET_BYTES = 512 * 1024 * 1024

_COMPRESSOR = zstandard.ZstdCompressor(level=1)
_DECOMPRESSOR = zstandard.ZstdDecompressor()


@dataclass
class CompressedArray:
    """A NumPy array kept as zstd bytes with its shape and dtype."""

    blob: bytes
    shape: tuple[int, ...]
    dtype: str

    @classmethod
    def pack(cls, array: np.ndarray) -> CompressedArray:
        contiguous = np.ascontiguousarray(array)
        return cls(_COMPRESSOR.compress(contiguous.data), contiguous.shape, contiguous.dtype.str)

    def unpack(self) -> np.ndarray:
        size = int(np.prod(self.shape)) * np.dtype(self.dtype).itemsize
        raw = _DECOMPRESSOR.decompress(self.blob, max_output_size=size)
        return np.frombuffer(raw, dtype=self.dtype).reshape(self.shape).copy()

    @property
    def nbytes(self) -> int:
        return len(self.blob)


@dataclass
class VoxelDelta:
    group_index: int
    t_index: int
    box: tuple[slice, ...]
    before: CompressedArray
    after: CompressedArray
    label_values: frozenset[int] = frozenset()  # values before or after in changed voxels

    def apply(self, seg: Segmentation, forward: bool) -> None:
        source = self.after if forward else self.before
        seg.groups[self.group_index].array[self.t_index][self.box] = source.unpack()


@dataclass
class MetadataDelta:
    before: MetadataState
    after: MetadataState

    def apply(self, seg: Segmentation, forward: bool) -> None:
        seg.restore_metadata(self.after if forward else self.before)


@dataclass
class GroupDelta:
    """Insertion (``inserted=True``) or removal of a whole group at ``index``."""

    index: int
    inserted: bool
    array: CompressedArray
    metadata: MetadataState  # the removed/inserted group's labels, as a one-group state

    def _insert(self, seg: Segmentation) -> None:
        saved = self.metadata.groups[0]
        labels = [label.copy() for label in saved.labels]
        group = LabelGroup(saved.name, self.array.unpack(), labels, copy.deepcopy(saved.extra))
        seg.groups.insert(self.index, group)

    def apply(self, seg: Segmentation, forward: bool) -> None:
        if forward == self.inserted:
            self._insert(seg)
        else:
            del seg.groups[self.index]


Delta = VoxelDelta | MetadataDelta | GroupDelta


@dataclass
class Step:
    description: str
    deltas: list[Delta] = field(default_factory=list)
    _nbytes: int | None = field(default=None, repr=False, compare=False)

    @property
    def nbytes(self) -> int:
        """What the step really holds in memory: every object it reaches, counted once.

        Counting only the compressed blobs left out the per-step objects (boxes, value
        sets, metadata snapshots with a copy of every label): 1,000 brush steps held
        7x the counted bytes. The step is complete when it is pushed, so the count is
        taken once.
        """
        if self._nbytes is None:
            self._nbytes = _deep_size(self)
        return self._nbytes

    def change(self, kind: ChangeKind, all_time_steps: bool) -> Change:
        """The change record of this step done (or undone) as ``kind``.

        ``all_time_steps``: the segmentation is static, so its one stored mask is shown
        at every time step of the image.
        """
        voxels: list[VoxelChange] = []
        values: set[int] = set()
        metadata = structure = False
        for delta in self.deltas:
            if isinstance(delta, VoxelDelta):
                voxels.append(VoxelChange(delta.group_index, delta.t_index, delta.box,
                                          all_time_steps))
                values |= delta.label_values
            elif isinstance(delta, MetadataDelta):
                changed, moved = delta.before.difference(delta.after)
                values |= changed
                metadata = True
                structure = structure or moved
            else:
                values |= {label.value for label in delta.metadata.groups[0].labels}
                structure = True
        return Change(kind, self.description, tuple(voxels), frozenset(values),
                      metadata, structure)


class StepRecorder:
    """Collects the changes of one user action until it is committed as one step.

    Voxel writes report their before-crops; at a flush those are folded into one delta
    per (group, time step) covering the union box, tightened to the voxels that really
    changed. Structural changes (group insert/remove) flush first, because they shift
    group indices.
    """

    def __init__(self, seg: Segmentation, description: str) -> None:
        self.seg = seg
        self.step = Step(description)
        self._metadata_before = seg.metadata_state()
        self._crops: dict[tuple[int, int], list[tuple[tuple[slice, ...], np.ndarray]]] = (
            defaultdict(list)
        )

    def record_voxels(
        self, group_index: int, t_index: int, box: tuple[slice, ...], before: np.ndarray
    ) -> None:
        self._crops[(group_index, t_index)].append((box, before))

    def insert_group(self, index: int, group: LabelGroup) -> None:
        """Insert ``group`` into the segmentation as part of this step."""
        self.flush()
        self.seg.groups.insert(index, group)
        self.step.deltas.append(_group_delta(index, True, group))
        self._metadata_before = self.seg.metadata_state()

    def remove_group(self, index: int) -> LabelGroup:
        """Remove the group at ``index`` as part of this step and return it."""
        self.flush()
        group = self.seg.groups.pop(index)
        self.step.deltas.append(_group_delta(index, False, group))
        self._metadata_before = self.seg.metadata_state()
        return group

    def flush(self) -> None:
        for (group_index, t_index), crops in self._crops.items():
            delta = _voxel_delta(self.seg, group_index, t_index, crops)
            if delta is not None:
                self.step.deltas.append(delta)
        self._crops.clear()
        metadata_now = self.seg.metadata_state()
        if metadata_now != self._metadata_before:
            self.step.deltas.append(MetadataDelta(self._metadata_before, metadata_now))
        self._metadata_before = metadata_now

    def finish(self) -> Step | None:
        self.flush()
        return self.step if self.step.deltas else None


def _group_delta(index: int, inserted: bool, group: LabelGroup) -> GroupDelta:
    state = MetadataState(
        groups=[GroupState(group.name, [label.copy() for label in group.labels],
                           copy.deepcopy(group.extra))],
        active_label_value=None,
        unlabeled_locked=False,
    )
    return GroupDelta(index, inserted, CompressedArray.pack(group.array), state)


def _voxel_delta(
    seg: Segmentation,
    group_index: int,
    t_index: int,
    crops: list[tuple[tuple[slice, ...], np.ndarray]],
) -> VoxelDelta | None:
    starts = [min(box[axis].start for box, _ in crops) for axis in range(3)]
    stops = [max(box[axis].stop for box, _ in crops) for axis in range(3)]
    union = tuple(slice(a, b) for a, b in zip(starts, stops, strict=True))
    volume = seg.groups[group_index].array[t_index]
    after = volume[union].copy()
    before = after.copy()
    # Replaying the before-crops newest first leaves the oldest, i.e. the state before
    # the whole action, in every voxel that any write touched.
    for box, crop in reversed(crops):
        local = tuple(
            slice(s.start - u.start, s.stop - u.start) for s, u in zip(box, union, strict=True)
        )
        before[local] = crop
    changed = before != after
    tight = bounding_box(changed)
    if tight is None:
        return None
    box = tuple(
        slice(u.start + t.start, u.start + t.stop) for u, t in zip(union, tight, strict=True)
    )
    changed = changed[tight]
    values = _values_in(before[tight][changed]) | _values_in(after[tight][changed])
    return VoxelDelta(
        group_index,
        t_index,
        box,
        CompressedArray.pack(before[tight]),
        CompressedArray.pack(after[tight]),
        values,
    )


def _deep_size(root: object) -> int:
    """Bytes held by ``root`` and everything it references (each object once)."""
    seen: set[int] = set()
    total = 0
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, (str, bytes, int, float, bool, np.ndarray)) or obj is None:
            continue  # sizeof covers them (an array that owns its data included)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, slice):
            stack.extend((obj.start, obj.stop, obj.step))
        elif hasattr(obj, "__dict__"):
            stack.append(vars(obj))
    return total


def _values_in(voxels: np.ndarray) -> frozenset[int]:
    """The label values (not 0) among ``voxels``: one counting pass, no sort."""
    present = np.flatnonzero(np.bincount(voxels, minlength=1))
    return frozenset(int(v) for v in present if v)


class History:
    """Linear undo/redo stacks with a memory budget that drops the oldest steps first."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._undo: list[Step] = []
        self._redo: list[Step] = []

    @property
    def nbytes(self) -> int:
        return sum(step.nbytes for step in self._undo) + sum(s.nbytes for s in self._redo)

    @property
    def undo_depth(self) -> int:
        return len(self._undo)

    @property
    def redo_depth(self) -> int:
        return len(self._redo)

    def next_undo(self) -> str | None:
        return self._undo[-1].description if self._undo else None

    @property
    def last_step(self) -> Step | None:
        """The step an undo reverts next (None: nothing to undo)."""
        return self._undo[-1] if self._undo else None

    def stack_of(self, step: Step) -> str | None:
        """Which stack holds ``step``: "undo", "redo", or None once it was dropped (by
        the budget, or a new step after an undo)."""
        if any(s is step for s in self._undo):
            return "undo"
        return "redo" if any(s is step for s in self._redo) else None

    def next_redo(self) -> str | None:
        return self._redo[-1].description if self._redo else None

    def push(self, step: Step) -> None:
        self._undo.append(step)
        self._redo.clear()
        self.enforce_budget()

    def enforce_budget(self) -> None:
        """Drop the oldest undo steps (then redo steps) until under budget.

        The newest undo step is kept even when it alone exceeds the budget: losing the
        action the user just did is worse than a temporary overshoot.
        """
        total = self.nbytes
        while total > self.budget_bytes and len(self._undo) > 1:
            total -= self._undo.pop(0).nbytes
        while total > self.budget_bytes and self._redo:
            total -= self._redo.pop(0).nbytes

    def undo(self, seg: Segmentation) -> Step | None:
        """Revert the newest step; returns it (None when there is nothing to undo)."""
        if not self._undo:
            return None
        step = self._undo.pop()
        for delta in reversed(step.deltas):
            delta.apply(seg, forward=False)
        self._redo.append(step)
        return step

    def redo(self, seg: Segmentation) -> Step | None:
        if not self._redo:
            return None
        step = self._redo.pop()
        for delta in step.deltas:
            delta.apply(seg, forward=True)
        self._undo.append(step)
        return step

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
