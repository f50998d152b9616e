"""Otsu: split the image's histogram into 2-32 intensity regions and keep the ticked ones.

MITK stops at a handful of regions because its search is exhaustive; the search in
``demarcate.gpu.otsu`` is a dynamic programme over 128 bins, so 32 regions cost a few
milliseconds. The histogram is computed once per time step; the region map is one
table lookup per voxel.
"""

from __future__ import annotations

import numpy as np

from ..gpu.otsu import otsu_regions, otsu_threshold_indexes
from ..gpu.threshold import histogram
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

BINS = 128


class OtsuTool(VolumeTool):
    """Multi-Otsu regions of the image, with the thresholds drawn on the histogram."""

    info = ToolInfo("otsu", "O", "Otsu: split the image into intensity regions and keep "
                    "the ticked ones (3D preview)", tab="3D")
    option_specs = (Option("regions", "Regions", 3, 2, 32),
                    Option("valley_emphasis", "Valley emphasis", False), TARGET, TIME_STEPS)

    def __init__(self, options: dict[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._histograms: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def _counts(self, source: VolumeSource) -> tuple[np.ndarray, np.ndarray]:
        """The image's 128-bin histogram at this time step (kept: it depends on nothing
        the user changes)."""
        key = (source.image_key, source.time_step)
        if key not in self._histograms:
            self._histograms = {key: histogram(source.image, BINS)}
        return self._histograms[key]

    def thresholds(self, source: VolumeSource, options: dict[str, OptionValue]
                   ) -> tuple[np.ndarray, Histogram]:
        counts, edges = self._counts(source)
        indexes = otsu_threshold_indexes(counts, int(options["regions"]),
                                         bool(options["valley_emphasis"]))
        values = edges[indexes + 1]
        return values, Histogram(counts, edges, tuple(float(v) for v in values))

    def prepare(self, source: VolumeSource) -> None:
        self._counts(source)

    def default_unticked(self, regions: tuple[Region, ...]) -> set[int]:
        """The darkest region (air, background) starts unticked."""
        return {regions[0].number} if len(regions) > 1 else set()

    @staticmethod
    def _regions(values: np.ndarray, voxels: np.ndarray | None = None) -> tuple[Region, ...]:
        bounds = [-np.inf, *values.tolist(), np.inf]
        regions = []
        for k in range(len(values) + 1):
            low, high = bounds[k], bounds[k + 1]
            span = (f"< {high:.4g}" if k == 0 else f">= {low:.4g}" if k == len(values)
                    else f"{low:.4g} .. {high:.4g}")
            regions.append(Region(k + 1, f"Region {k + 1} ({span})", None,
                                  int(voxels[k + 1]) if voxels is not None else 0))
        return tuple(regions)

    def quick(self, source: VolumeSource) -> VolumeResult | None:
        values, histogram_ = self.thresholds(source, self.options)
        preview = planes_preview(source, lambda plane: otsu_regions(
            np.ascontiguousarray(plane), values) + 1)
        return VolumeResult(preview, self._regions(values), "computing the volume…",
                            exact=False, histogram=histogram_)

    def compute(self, source: VolumeSource, options: dict[str, OptionValue],
                progress: Progress) -> VolumeResult:
        values, histogram_ = self.thresholds(source, options)
        progress(0.2, None)
        regions, note = run_on_backend(
            lambda volume: otsu_regions(volume, values), np.ascontiguousarray(source.image),
            source.image.itemsize + 2.0)
        regions += 1  # region numbers start at 1: 0 means "not in the preview"
        progress(0.8, None)
        voxels = np.bincount(regions.reshape(-1), minlength=len(values) + 2)
        box = tuple(slice(0, n) for n in regions.shape)
        return VolumeResult(VolumePreview(regions, box, source.time_step),
                            self._regions(values, voxels),
                            "; ".join(filter(None, (f"{len(values) + 1} regions", note))),
                            histogram=histogram_)
