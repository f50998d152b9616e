"""What every segmentation reader hands over before it becomes a Segmentation.

Readers only decode their format; turning the result into a model object (reference
grid, value checks, uint16, invariants) is done once, in ``build_segmentation``, so the
MITK, Slicer and label-map readers cannot drift apart on those rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..model.geometry import Geometry
from ..model.labels import MAX_LABEL_VALUE, Label
from ..model.segmentation import LABEL_DTYPE, LabelGroup, Segmentation
from .checks import check_geometry
from .errors import format_error
from .grid import fit_to_reference


@dataclass
class DecodedGroup:
    name: str
    array: np.ndarray  # (T, Z, Y, X), any integer type with values in 0..65535
    labels: list[Label]
    extra: dict = field(default_factory=dict)


@dataclass
class Decoded:
    groups: list[DecodedGroup]
    geometry: Geometry
    source_format: str
    source_version: int | None = None
    extra_header: dict[str, str] = field(default_factory=dict)
    unlabeled_locked: bool = False


def split_components(array: np.ndarray) -> list[np.ndarray]:
    """One (T, Z, Y, X) array per component of a (T, Z, Y, X[, C]) array."""
    if array.ndim == 5:
        return [np.ascontiguousarray(array[..., c]) for c in range(array.shape[-1])]
    return [array]


def renumber_duplicates(groups: list[DecodedGroup], path: str | os.PathLike) -> None:
    """Give labels that reuse a value of an earlier group a new, unused value.

    Slicer (and pre-2023 MITK) allow the same value in two layers; Demarcate's values are
    unique across groups, so later duplicates move to max+1, ... and keep their names.
    One value twice in one group cannot be told apart in its voxels: that is an error.
    """
    seen: set[int] = set()
    next_value = max((label.value for g in groups for label in g.labels), default=0) + 1
    for index, group in enumerate(groups):
        own: set[int] = set()
        mapping: dict[int, int] = {}
        for label in group.labels:
            if label.value in own:
                raise format_error(path, f"group {index} describes label value {label.value} twice")
            own.add(label.value)
            if label.value in seen:
                if next_value > MAX_LABEL_VALUE:
                    raise format_error(path, "no free label value left to renumber a duplicate")
                mapping[label.value] = next_value
                label.value = next_value
                next_value += 1
        seen |= own | set(mapping.values())
        if mapping:
            source = group.array.astype(LABEL_DTYPE)
            result = source.copy()
            for old, new in mapping.items():
                result[source == old] = new
            group.array = result


def _check_values(decoded: Decoded, path: str | os.PathLike) -> None:
    for index, group in enumerate(decoded.groups):
        present = np.unique(group.array)
        if present.size and (present[0] < 0 or present[-1] > MAX_LABEL_VALUE):
            raise format_error(
                path, f"voxel values {present[0]}..{present[-1]} do not fit in 0..65535"
            )
        missing = sorted(set(present.tolist()) - {0} - {label.value for label in group.labels})
        if missing:
            shown = ", ".join(str(v) for v in missing[:10])
            raise format_error(
                path,
                f"group {index} holds voxel values ({shown}) that no label in the header describes",
            )


def build_segmentation(
    decoded: Decoded,
    path: str | os.PathLike,
    reference_geometry: Geometry | None,
    reference_shape: tuple[int, ...] | None,
    name: str,
) -> Segmentation:
    """A validated Segmentation on the reference grid (when one is given)."""
    arrays = [group.array for group in decoded.groups]
    file_steps = arrays[0].shape[0]
    geometry = decoded.geometry
    time_steps = file_steps
    if reference_geometry is not None and reference_shape is not None:
        shape_zyx = tuple(reference_shape[-3:])
        ref_steps = reference_shape[0] if len(reference_shape) == 4 else file_steps
        if file_steps not in (1, ref_steps):
            raise format_error(
                path, f"has {file_steps} time steps but the reference image has {ref_steps}"
            )
        arrays = fit_to_reference(arrays, geometry, reference_geometry, shape_zyx, path)
        geometry, time_steps = reference_geometry, ref_steps
    for group, array in zip(decoded.groups, arrays, strict=True):
        group.array = array
    check_geometry(geometry, path, time_steps)
    _check_values(decoded, path)
    seg = Segmentation(
        tuple(arrays[0].shape[1:]),
        geometry,
        time_steps,
        dynamic=file_steps == time_steps,
        name=name,
    )
    for group in decoded.groups:
        seg.groups.append(
            LabelGroup(
                group.name, group.array.astype(LABEL_DTYPE, copy=False), group.labels, group.extra
            )
        )
    seg.unlabeled_locked = decoded.unlabeled_locked
    seg.extra_header = dict(decoded.extra_header)
    seg.source_format = decoded.source_format
    seg.source_version = decoded.source_version
    try:
        seg.validate()
    except ValueError as error:
        raise format_error(path, str(error)) from error
    if seg.labels:
        seg.active_label_value = seg.labels[0].value
    return seg
