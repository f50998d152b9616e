"""2D slice interpolation: suggestions for empty slices between segmented ones.

Shape-based (signed distance) interpolation, as MITK: for slices L < i < U where the
active label is drawn on L and U but absent from i, the suggestion on i is
(1 - r) * d_L + r * d_U <= 0 with r = (i - L) / (U - L), d being the in-plane signed
distance (negative inside, in mm). Several disjoint pieces per slice are handled by the
distance field itself: pieces that overlap between L and U blend, others shrink away.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..gpu.distance import signed_distance
from ..model.document import SegmentationDocument
from .slicing import SlicePosition, plane_of, region_from_plane


def suggestions(label_volume_zyx: np.ndarray, label_value: int, axis: int,
                spacing_zyx: tuple[float, float, float] = (1.0, 1.0, 1.0),
                progress: Callable[[float], None] | None = None) -> dict[int, np.ndarray]:
    """Suggested masks for every empty slice between two segmented slices along ``axis``.

    ``progress(fraction)`` is called after each pair of drawn slices; a job's report
    raises there when the job is cancelled, which stops the work between slices.
    """
    other_axes = tuple(k for k in range(3) if k != axis)
    present = (label_volume_zyx == label_value).any(axis=other_axes)
    drawn = np.flatnonzero(present)
    spacing_rc = tuple(spacing_zyx[k] for k in other_axes)
    result: dict[int, np.ndarray] = {}
    pairs = list(zip(drawn[:-1], drawn[1:], strict=True))
    for done, (lower, upper) in enumerate(pairs):
        if progress is not None:
            progress(done / len(pairs))
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
    """Suggestions for the active label in one orientation.

    Whoever edits the document tells the interpolator through ``invalidate`` (the
    session does it on every change record that touches the active label's group), so
    nothing is recomputed unless something changed.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.axis = 0
        self._suggestions: dict[int, np.ndarray] = {}
        self._key: tuple | None = None

    @staticmethod
    def key_of(document: SegmentationDocument, axis: int, time_step: int) -> tuple:
        """What the suggestions depend on besides the voxels."""
        return (id(document), document.segmentation.active_label_value, axis, time_step)

    def invalidate(self) -> None:
        self._key = None

    def is_current(self, document: SegmentationDocument, axis: int, time_step: int) -> bool:
        return self._key == self.key_of(document, axis, time_step)

    def update(self, document: SegmentationDocument, axis: int, time_step: int) -> None:
        """Recompute (here and now) unless the suggestions are current."""
        self.axis = axis
        if not self.enabled or document.segmentation.active_label_value is None:
            self.set_result(None, {})
            return
        if self.is_current(document, axis, time_step):
            return
        self.set_result(self.key_of(document, axis, time_step),
                        compute_suggestions(document, axis, time_step))

    def set_result(self, key: tuple | None, result: dict[int, np.ndarray]) -> None:
        """Take suggestions computed elsewhere (a background job) for ``key``."""
        self._key, self._suggestions = key, result

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
        self.invalidate()  # the label changed: recompute on the next update
        return changed


def compute_suggestions(document: SegmentationDocument, axis: int, time_step: int,
                        progress: Callable[[float], None] | None = None
                        ) -> dict[int, np.ndarray]:
    """Suggestions for the document's active label (empty without one)."""
    seg = document.segmentation
    value = seg.active_label_value
    if value is None:
        return {}
    volume = seg.groups[seg.group_index_of(value)].array[seg.stored_time_index(time_step)]
    return suggestions(volume, value, axis, seg.geometry.spacing_zyx, progress)
