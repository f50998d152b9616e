"""Threshold (voxels >= value) and UL Threshold (lower <= voxels <= upper).

Both start from the image's histogram: the slider range is the image's min..max and the
start a percentile that picks out bright structures (bone, contrast) on CT and the
upper part of the tissue on MR. While a slider moves, the three planes in view are
thresholded at once (well under a millisecond each) and the volume follows from the
job runner through the fused kernel in ``demarcate.gpu.threshold``.
"""

from __future__ import annotations

import math

import numpy as np

from ..gpu.backend import bounding_box
from ..gpu.threshold import histogram, threshold, value_range
from .base import Option, OptionValue, ToolInfo, VolumePreview
from .volume import (
    TARGET,
    TIME_STEPS,
    Histogram,
    Progress,
    Region,
    VolumeResult,
    VolumeSource,
    VolumeTool,
    planes_preview,
    run_on_backend,
)

HISTOGRAM_BINS = 128  # the plot under the sliders
PERCENTILE_BINS = 4096  # the start values: within 1/4096 of the range of the exact one


def histogram_percentile(counts: np.ndarray, edges: np.ndarray, percent: float) -> float:
    """The value below which ``percent`` % of the voxels lie, read off a histogram (the
    upper edge of the bin that crosses it): no sort of a 78-million-voxel volume."""
    cumulative = np.cumsum(counts)
    if cumulative[-1] == 0:
        return float(edges[0])
    index = int(np.searchsorted(cumulative, percent / 100 * cumulative[-1]))
    return float(edges[min(index + 1, edges.size - 1)])


def _mask_result(mask: np.ndarray, time_step: int, histogram_: Histogram | None,
                 name: str) -> VolumeResult:
    """A one-region result holding only the bounding box of ``mask``."""
    box = bounding_box(mask)
    voxels = int(np.count_nonzero(mask)) if box is not None else 0
    if box is None:
        return VolumeResult(None, (), "no voxel is in the range", histogram=histogram_)
    preview = VolumePreview(mask[box].astype(np.uint8), box, time_step)
    return VolumeResult(preview, (Region(1, name, None, voxels),),
                        f"{voxels:,} voxels in the range", histogram=histogram_)


class _RangeTool(VolumeTool):
    """A range lower..upper over the image, with the histogram under the sliders."""

    start_percentiles: tuple[float, float] = (85.0, math.inf)

    def __init__(self, options: dict[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self.limits = (0.0, 1.0)
        self.histogram: Histogram | None = None
        self._prepared_for: tuple[int, int] | None = None

    def bounds(self, name: str) -> tuple[float | None, float | None]:
        if name in ("lower", "upper"):
            return self.limits
        return super().bounds(name)

    def set_option(self, name: str, value: OptionValue) -> OptionValue:
        if name in ("lower", "upper"):
            low, high = self.limits
            self.options[name] = min(max(float(value), low), high)
            other = "upper" if name == "lower" else "lower"
            if other in self.options and self._range_option(other):
                if name == "lower" and self.options["upper"] < self.options["lower"]:
                    self.options["upper"] = self.options["lower"]
                if name == "upper" and self.options["lower"] > self.options["upper"]:
                    self.options["lower"] = self.options["upper"]
            return self.options[name]
        return super().set_option(name, value)

    def _range_option(self, name: str) -> bool:
        return any(spec.name == name for spec in self.option_specs)

    def prepare(self, source: VolumeSource) -> None:
        key = (source.image_key, source.time_step)
        if key == self._prepared_for:
            return
        first_time = self._prepared_for is None or self._prepared_for[0] != source.image_key
        self._prepared_for = key
        low, high = (float(v) for v in value_range(source.image))
        fine_counts, fine_edges = histogram(source.image, PERCENTILE_BINS, (low, high))
        coarse = fine_counts.reshape(HISTOGRAM_BINS, -1).sum(axis=1)
        self.limits = (low, high)
        self.histogram = Histogram(coarse, fine_edges[:: PERCENTILE_BINS // HISTOGRAM_BINS])
        if first_time:
            lower_percent, upper_percent = self.start_percentiles
            self.options["lower"] = histogram_percentile(fine_counts, fine_edges,
                                                         lower_percent)
            if self._range_option("upper"):
                self.options["upper"] = histogram_percentile(fine_counts, fine_edges,
                                                             upper_percent)
        else:  # the next time step: keep the user's values, inside the new range
            for name in ("lower", "upper"):
                if self._range_option(name):
                    self.set_option(name, self.options[name])

    def _range(self, options: dict[str, OptionValue]) -> tuple[float, float]:
        upper = float(options["upper"]) if "upper" in options else math.inf
        return float(options["lower"]), upper

    def _histogram(self, options: dict[str, OptionValue]) -> Histogram | None:
        if self.histogram is None:
            return None
        lower, upper = self._range(options)
        markers = (lower,) if math.isinf(upper) else (lower, upper)
        return Histogram(self.histogram.counts, self.histogram.edges, markers)

    def quick(self, source: VolumeSource) -> VolumeResult | None:
        lower, upper = self._range(self.options)
        preview = planes_preview(source, lambda plane: threshold(plane, lower, upper)
                                 .astype(np.uint8))
        return VolumeResult(preview, (Region(1, self.info.title),), "computing the volume…",
                            exact=False, histogram=self._histogram(self.options))

    def compute(self, source: VolumeSource, options: dict[str, OptionValue],
                progress: Progress) -> VolumeResult:
        lower, upper = self._range(options)
        # The input and the mask, one byte per voxel, and headroom.
        mask, note = run_on_backend(lambda volume: threshold(volume, lower, upper),
                                    source.image, source.image.itemsize + 2.0)
        progress(0.8, None)
        result = _mask_result(mask, source.time_step, self._histogram(options),
                              self.info.title)
        result.status = "; ".join(filter(None, (result.status, note)))
        return result


class ThresholdTool(_RangeTool):
    """Voxels at or above one value."""

    info = ToolInfo("threshold", "T", "Threshold: voxels at or above a value (3D preview)",
                    tab="3D")
    option_specs = (Option("lower", "Threshold", 0.0), TARGET, TIME_STEPS)
    start_percentiles = (85.0, math.inf)


class ULThresholdTool(_RangeTool):
    """Voxels between a lower and an upper value (both included)."""

    info = ToolInfo("ul_threshold", "U", "UL Threshold: voxels between a lower and an upper "
                    "value (3D preview)", tab="3D", display_name="UL Threshold")
    option_specs = (Option("lower", "Lower", 0.0), Option("upper", "Upper", 1.0), TARGET,
                    TIME_STEPS)
    start_percentiles = (60.0, 95.0)
