"""Label statistics: for every label of every group, its voxel count, its volume, and the
mean, standard deviation, minimum and maximum of the image under it at one time step.

Pure functions of the segmentation and the image. The numbers come from per-label sums
gathered in one pass per group (``demarcate.gpu.label_stats``), so that the session can
keep a table current by recounting only the labels an edit named, over a box that holds
all their voxels (``label_sums`` with ``regions``), instead of the whole volume.

The SD is the population SD (divided by the voxel count): the labelled voxels are all
the voxels of the structure, not a sample of them. An empty label has no mean, SD,
minimum or maximum (NaN here, an empty field in a CSV).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..gpu.label_stats import label_moments
from .image import ReferenceImage
from .segmentation import Segmentation

#: The columns of a statistics table, in order (also the CSV header).
FIELDS = ("group", "value", "name", "voxels", "volume_ml", "mean", "sd", "min", "max")

#: A (z, y, x) box of a label map, as slices with integer ends.
Box = tuple[slice, slice, slice]


@dataclass(frozen=True)
class LabelSums:
    """What one pass gathers about one label; a table row is derived from it."""

    voxels: int
    total: float  # sum of the image values under the label
    squares: float  # sum of their squares
    low: float  # smallest image value (inf when empty)
    high: float  # largest (-inf when empty)
    box: Box | None  # bounding box of the label's voxels (None: it has none)


@dataclass(frozen=True)
class StatisticsRow:
    """One label's statistics; ``mean``, ``sd``, ``min`` and ``max`` are NaN when it is
    empty."""

    group: str
    value: int
    name: str
    voxels: int
    volume_ml: float
    mean: float
    sd: float
    min: float
    max: float

    def fields(self) -> tuple:
        """The values in ``FIELDS`` order."""
        return tuple(getattr(self, name) for name in FIELDS)


def whole_box(shape_zyx: tuple[int, int, int]) -> Box:
    return tuple(slice(0, n) for n in shape_zyx)


def hull(first: Box | None, second: Box | None) -> Box | None:
    """The smallest box holding both (None is the empty box)."""
    if first is None or second is None:
        return first if second is None else second
    return tuple(slice(min(a.start, b.start), max(a.stop, b.stop))
                 for a, b in zip(first, second, strict=True))


def label_sums(segmentation: Segmentation, image_zyx: np.ndarray, time_step: int,
               regions: Mapping[int, Box | None] | None = None) -> dict[int, LabelSums]:
    """Sums of the image ``image_zyx`` (the image at ``time_step``) under labels.

    ``regions`` maps a label value to a box that holds all its voxels (None: it has
    none); by default every label, over the whole volume. Each group is read once,
    over the hull of its labels' boxes; values that are not labels are left out.
    """
    t_index = segmentation.stored_time_index(time_step)
    if regions is None:
        regions = dict.fromkeys((label.value for label in segmentation.labels),
                                whole_box(segmentation.shape_zyx))
    sums: dict[int, LabelSums] = {}
    for group in segmentation.groups:
        wanted = sorted(value for value in group.label_values() if value in regions)
        box = None
        for value in wanted:
            box = hull(box, regions[value])
        if box is None:
            sums.update((value, LabelSums(0, 0.0, 0.0, math.inf, -math.inf, None))
                        for value in wanted)
            continue
        moments = label_moments(group.array[t_index][box], image_zyx[box], wanted)
        start = np.array([span.start for span in box])
        for i, value in enumerate(moments.values.tolist()):
            count = int(moments.count[i])
            first, last = moments.box_low[i] + start, moments.box_high[i] + start + 1
            sums[value] = LabelSums(
                count, float(moments.total[i]), float(moments.squares[i]),
                float(moments.low[i]), float(moments.high[i]),
                tuple(slice(int(a), int(b)) for a, b in zip(first, last, strict=True))
                if count else None)
    return sums


def statistics_row(group: str, value: int, name: str, sums: LabelSums,
                   voxel_volume_mm3: float) -> StatisticsRow:
    """A table row from a label's sums (``voxel_volume_mm3``: the product of the
    spacing)."""
    n = sums.voxels
    volume_ml = n * voxel_volume_mm3 / 1000.0
    if n == 0:
        return StatisticsRow(group, value, name, 0, volume_ml, *(math.nan,) * 4)
    mean = sums.total / n
    # Rounding can leave a label of one constant value a tiny negative variance.
    variance = max(sums.squares / n - mean * mean, 0.0)
    return StatisticsRow(group, value, name, n, volume_ml, mean, math.sqrt(variance),
                         sums.low, sums.high)


def statistics_rows(segmentation: Segmentation,
                    sums: Mapping[int, LabelSums]) -> list[StatisticsRow]:
    """The rows of every label of every group (in group and label order) whose sums are
    given; names are read from the segmentation now, so a rename needs no recount."""
    voxel_volume = float(np.prod(segmentation.geometry.spacing_zyx))
    return [statistics_row(group.name, label.value, label.name, sums[label.value],
                           voxel_volume)
            for group in segmentation.groups for label in group.labels
            if label.value in sums]


def label_statistics(segmentation: Segmentation, image: ReferenceImage,
                     time_step: int = 0) -> list[StatisticsRow]:
    """The whole table at ``time_step``: one pass per group over the volume."""
    if not 0 <= time_step < image.time_steps:
        raise IndexError(f"time step {time_step} outside 0..{image.time_steps - 1}")
    sums = label_sums(segmentation, image.array[time_step], time_step)
    return statistics_rows(segmentation, sums)
