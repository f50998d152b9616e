"""2D slice interpolation: suggestions for empty slices between segmented ones.

Shape-based (signed distance) interpolation, as MITK: for slices L < i < U where the
active label is drawn on L and U but absent from i, the suggestion on i is
(1 - r) * d_L + r * d_U <= 0 with r = (i - L) / (U - L), d being the in-plane signed
distance (negative inside, in mm). Several disjoint pieces per slice are handled by the
distance field itself: pieces that overlap between L and U blend, others shrink away.
"""

from __future__ import annotations

import numpy as np

from ..gpu.distance import signed_distance
from ..model.document import SegmentationDocument
from .slicing import SlicePosition, plane_of, region_from_plane


def suggestions(label_volume_zyx: np.ndarray, label_value: int, axis: int,
                spacing_zyx: tuple[float, float, float] = (1.0, 1.0, 1.0)
                ) -> dict[int, np.ndarray]:
    """Suggested masks for every empty slice between two segmented slices along ``axis``."""
    other_axes = tuple(k for k in range(3) if k != axis)
    present = (label_volume_zyx == label_value).any(axis=other_axes)
    drawn = np.flatnonzero(present)
    spacing_rc = tuple(spacing_zyx[k] for k in other_axes)
    result: dict[int, np.ndarray] = {}
    for lower, upper in zip(drawn[:-1], drawn[1:], strict=True):
        if upper - lower < 2:
            continue
        lower_mask = plane_of(label_volume_zyx, SlicePosition(axis, int(lower))) == label_value
        upper_mask = plane_of(label_volume_zyx, SlicePosition(axis, int(upper))) == label_value
        d_lower = signed_distance(lower_mask, spacing_rc)
        d_upper = signed_distance(upper_mask, spacing_rc)
        for index in range(int(lower) + 1, int(upper)):
            ratio = (index - lower) / (upper - lower)
            mask = (1.0 - ratio) * d_lower + ratio * d_upper <= 0
            if mask.any():
                result[index] = mask
    return result


class SliceInterpolator:
    """Suggestions for the active label in one orientation, recomputed after edits."""

    def __init__(self) -> None:
        self.enabled = False
        self.axis = 0
        self._suggestions: dict[int, np.ndarray] = {}
        self._key: tuple | None = None

    def update(self, document: SegmentationDocument, axis: int, time_step: int) -> None:
        """Recompute when the label, orientation, time step or history changed."""
        seg = document.segmentation
        value = seg.active_label_value
        key = (id(document), value, axis, time_step, document.history.undo_depth,
               document.history.redo_depth, document.history.nbytes)
        self.axis = axis
        if not self.enabled or value is None:
            self._suggestions, self._key = {}, None
            return
        if key == self._key:
            return
        self._key = key
        group = seg.groups[seg.group_index_of(value)]
        volume = group.array[seg.stored_time_index(time_step)]
        self._suggestions = suggestions(volume, value, axis, seg.geometry.spacing_zyx)

    def suggestion_for(self, axis: int, index: int) -> np.ndarray | None:
        return self._suggestions.get(index) if axis == self.axis else None

    @property
    def slice_indices(self) -> list[int]:
        return sorted(self._suggestions)

    def confirm(self, document: SegmentationDocument, time_step: int,
                indices: list[int] | None = None) -> int:
        """Write the suggestions of ``indices`` (all by default) as one undo step."""
        chosen = self.slice_indices if indices is None else indices
        changed = 0
        with document.step("Confirm interpolation"):
            for index in chosen:
                mask = self._suggestions.get(index)
                if mask is None:
                    continue
                region = region_from_plane(mask, SlicePosition(self.axis, index, time_step))
                changed += document.write(region, time_step)
        self._key = None  # the label changed: recompute on the next update
        return changed
