"""The segmentation: label groups on the grid of a reference image.

This module holds state and plain queries only. Changes that a user makes go through
``SegmentationDocument`` (document.py), which records undo steps; the write rule for
voxels lives in write.py.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from .geometry import Geometry
from .labels import MAX_LABEL_VALUE, Label

LABEL_DTYPE = np.uint16


@dataclass
class LabelGroup:
    """One uint16 array of shape (T, Z, Y, X) and the labels whose values it holds.

    Labels in one group cannot overlap because a voxel holds one value; labels of
    different groups can. T is 1 for a static group on a 3D+t image.
    """

    name: str
    array: np.ndarray
    labels: list[Label] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def label_values(self) -> list[int]:
        return [label.value for label in self.labels]


@dataclass
class GroupState:
    """Everything about a group except its voxels; used by undo snapshots."""

    name: str
    labels: list[Label]
    extra: dict


@dataclass
class MetadataState:
    """A deep copy of all label metadata, small enough to snapshot on every operation."""

    groups: list[GroupState]
    active_label_value: int | None
    unlabeled_locked: bool

    def difference(self, other: MetadataState) -> tuple[frozenset[int], bool]:
        """(label values whose properties differ, whether the structure differs).

        The structure is the group list with its names and each group's label values in
        order; labels added or removed count as changed values too, and so do the old
        and the new active label when the selection moved.
        """
        mine = {lb.value: lb for g in self.groups for lb in g.labels}
        theirs = {lb.value: lb for g in other.groups for lb in g.labels}
        changed = {v for v in mine.keys() | theirs.keys() if mine.get(v) != theirs.get(v)}
        if self.active_label_value != other.active_label_value:
            changed |= {self.active_label_value, other.active_label_value} - {None}
        layout = [(g.name, [lb.value for lb in g.labels]) for g in self.groups]
        other_layout = [(g.name, [lb.value for lb in g.labels]) for g in other.groups]
        return frozenset(changed), layout != other_layout


class Segmentation:
    """Groups of labels congruent with a reference image.

    Invariants kept by every method: at least one group; label values unique across
    groups and within 1..65535; every group array has shape (T, Z, Y, X) with T equal
    to ``time_steps`` (dynamic) or 1 (static).
    """

    def __init__(
        self,
        shape_zyx: tuple[int, int, int],
        geometry: Geometry | None = None,
        time_steps: int = 1,
        *,
        dynamic: bool = True,
        name: str = "Segmentation",
    ) -> None:
        self.shape_zyx = tuple(int(v) for v in shape_zyx)
        self.geometry = geometry or Geometry()
        self.time_steps = int(time_steps)
        self.name = name
        self.groups: list[LabelGroup] = []
        self.active_label_value: int | None = None
        self.unlabeled_locked = False
        # Header entries of other tools (MITK's uid, DICOM tags, relations) that must
        # survive a read/write cycle unchanged.
        self.extra_header: dict[str, str] = {}
        # Where the segmentation came from ("mitk" v4, "slicer", "labelmap"...), for info.
        self.source_format: str | None = None
        self.source_version: int | None = None
        self._dynamic = dynamic or self.time_steps == 1

    # --- shape ---------------------------------------------------------------------
    @property
    def is_dynamic(self) -> bool:
        """One mask per time step; read off the arrays so undo of a conversion restores it."""
        if self.time_steps == 1:
            return True
        if self.groups:
            return self.groups[0].array.shape[0] == self.time_steps
        return self._dynamic

    @property
    def stored_time_steps(self) -> int:
        return self.time_steps if self.is_dynamic else 1

    def group_shape(self) -> tuple[int, int, int, int]:
        return (self.stored_time_steps, *self.shape_zyx)

    def new_group_array(self) -> np.ndarray:
        return np.zeros(self.group_shape(), dtype=LABEL_DTYPE)

    def stored_time_index(self, time_step: int) -> int:
        """Index into group arrays for an image time step (static groups have one)."""
        if not 0 <= time_step < self.time_steps:
            raise IndexError(f"time step {time_step} outside 0..{self.time_steps - 1}")
        return time_step if self.is_dynamic else 0

    # --- queries -------------------------------------------------------------------
    @property
    def labels(self) -> list[Label]:
        return [label for group in self.groups for label in group.labels]

    def label(self, value: int) -> Label:
        for group in self.groups:
            for label in group.labels:
                if label.value == value:
                    return label
        raise KeyError(f"no label with value {value}")

    def has_label(self, value: int) -> bool:
        return any(label.value == value for label in self.labels)

    def group_index_of(self, value: int) -> int:
        for index, group in enumerate(self.groups):
            if value in group.label_values():
                return index
        raise KeyError(f"no label with value {value}")

    def next_label_value(self) -> int:
        """New labels get max(value) + 1, as in MITK, so values never get reused silently."""
        values = [label.value for label in self.labels]
        value = max(values, default=0) + 1
        if value > MAX_LABEL_VALUE:
            raise ValueError("no free label value left (the maximum is 65535)")
        return value

    def active_label(self) -> Label | None:
        if self.active_label_value is None:
            return None
        return self.label(self.active_label_value)

    def instances_of(self, name: str) -> list[Label]:
        return [label for label in self.labels if label.name == name]

    def voxel_counts(self) -> dict[int, int]:
        """Voxels per label value over all groups and time steps."""
        counts: dict[int, int] = {}
        for group in self.groups:
            values = group.label_values()
            if not values:
                continue
            histogram = np.bincount(group.array.ravel(), minlength=max(values) + 1)
            for value in values:
                counts[value] = int(histogram[value])
        return counts

    def validate(self) -> None:
        """Raise ValueError naming the first broken invariant."""
        if not self.groups:
            raise ValueError("a segmentation needs at least one group")
        seen: set[int] = set()
        for index, group in enumerate(self.groups):
            if group.array.shape != self.group_shape():
                raise ValueError(
                    f"group {index} has shape {group.array.shape}, expected {self.group_shape()}"
                )
            if group.array.dtype != LABEL_DTYPE:
                raise ValueError(f"group {index} has dtype {group.array.dtype}, expected uint16")
            for label in group.labels:
                if label.value in seen:
                    raise ValueError(f"label value {label.value} is used twice")
                seen.add(label.value)
        if self.active_label_value is not None and self.active_label_value not in seen:
            raise ValueError(f"active label {self.active_label_value} does not exist")

    # --- snapshots for undo ----------------------------------------------------------
    def metadata_state(self) -> MetadataState:
        return MetadataState(
            groups=[
                GroupState(g.name, [label.copy() for label in g.labels], copy.deepcopy(g.extra))
                for g in self.groups
            ],
            active_label_value=self.active_label_value,
            unlabeled_locked=self.unlabeled_locked,
        )

    def restore_metadata(self, state: MetadataState) -> None:
        if len(state.groups) != len(self.groups):
            raise RuntimeError("metadata snapshot does not match the group structure")
        for group, saved in zip(self.groups, state.groups, strict=True):
            group.name = saved.name
            group.labels = [label.copy() for label in saved.labels]
            group.extra = copy.deepcopy(saved.extra)
        self.active_label_value = state.active_label_value
        self.unlabeled_locked = state.unlabeled_locked
