"""GrowCut: the labels of the first group are seeds; every voxel of the seeds' box takes
the label of the seed that reaches it at the lowest cost.

The tool stays armed while the user scribbles with the 2D tools: each finished stroke
re-runs it. The exact run continues from the previous result (only what the new seeds
win is visited); a coarse pass on a 2x-downsampled volume answers first, so every
update shows within a second even when a stroke changes a quarter of the volume, and
the exact result replaces it when it lands.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

from ..gpu import growcut as kernels
from ..gpu.backend import device_or_host, get_array_module, to_device, to_host
from ..gpu.threshold import distinct_values
from .base import Option, OptionValue, ToolInfo, VolumePreview
from .volume import (
    TARGET,
    TIME_STEPS,
    Progress,
    Region,
    VolumeResult,
    VolumeSource,
    VolumeTool,
)

MARGIN = 16  # voxels around the seeds' bounding box (the default box, as MITK)
#: GPU memory per voxel of the box: int64 costs and keys, levels, owners, temporaries.
GPU_BYTES_PER_VOXEL = 40.0
BACKGROUND_WORDS = ("background", "exterior", "outside")


class GrowCutTool(VolumeTool):
    """Seeds from the first group; preview of every seed label's grown region."""

    info = ToolInfo("growcut", "G", "GrowCut: grow the labels of the first group (at least "
                    "two, e.g. object and background) over the image; scribble with the 2D "
                    "tools to correct it", tab="3D", display_name="GrowCut")
    option_specs = (Option("distance_penalty", "Distance penalty", 0.0, 0.0, 100.0),
                    Option("whole_image", "Whole image", False), TARGET, TIME_STEPS)
    stays_armed = True
    follows_seeds = True
    has_coarse = True
    new_labels_in_new_group = True

    def __init__(self, options: dict[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        # The last exact result, which the next run continues from. Runs may overlap (a
        # newer scribble supersedes a running one), so they take turns on it.
        self._state: kernels.GrowCutResult | None = None
        self._state_for: tuple | None = None
        self._lock = threading.Lock()

    def default_unticked(self, regions: tuple[Region, ...]) -> set[int]:
        """Seed labels named like a background start unticked."""
        return {region.number for region in regions
                if any(word in region.name.casefold() for word in BACKGROUND_WORDS)}

    @staticmethod
    def _checked(source: VolumeSource) -> str | None:
        if source.seeds is None or len(source.seed_labels) < 2:
            return ("GrowCut needs at least two labels in the first group as seeds "
                    "(e.g. object and background)")
        present = distinct_values(source.seeds)  # one pass; np.unique sorts the volume
        if np.count_nonzero(present) < 2:
            return "draw seeds of at least two labels of the first group"
        return None

    def _result(self, source: VolumeSource, labels: np.ndarray, box: tuple[slice, ...],
                status: str, exact: bool) -> VolumeResult:
        """Region numbers (1..N, in the order of the seed labels) over ``box``; voxel
        counts for the exact result only (a pass over the box the coarse one skips)."""
        values = [value for value, _, _ in source.seed_labels]
        table = np.zeros(int(max(values)) + 1, dtype=np.uint16)  # labels are seed values
        table[values] = np.arange(1, len(values) + 1)
        regions_box = table[labels[box]]
        counts = (np.bincount(regions_box.reshape(-1), minlength=len(values) + 1) if exact
                  else np.zeros(len(values) + 1, np.int64))
        regions = tuple(Region(k + 1, name, color, int(counts[k + 1]))
                        for k, (_, name, color) in enumerate(source.seed_labels))
        return VolumeResult(VolumePreview(regions_box, box, source.time_step), regions, status,
                            exact=exact)

    def _margin(self, options: dict[str, OptionValue]) -> int | None:
        return None if options["whole_image"] else MARGIN

    def compute_coarse(self, source: VolumeSource, options: dict[str, OptionValue],
                       progress: Progress) -> VolumeResult | None:
        """A quick answer at half resolution; None when there is nothing to grow."""
        if self._checked(source) is not None:
            return None
        margin = self._margin(options)
        labels = kernels.growcut_coarse(source.image, source.seeds, source.spacing_zyx,
                                        float(options["distance_penalty"]), margin)
        return self._result(source, labels, kernels.growcut_box(source.seeds, margin),
                            "refining…", exact=False)

    def compute(self, source: VolumeSource, options: dict[str, OptionValue],
                progress: Progress) -> VolumeResult:
        problem = self._checked(source)
        if problem is not None:
            return VolumeResult(None, (), problem)
        key = (source.image_key, source.time_step)
        # On the GPU when CuPy is usable and the volume fits; otherwise the CPU, saying so.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            image = device_or_host(source.image, GPU_BYTES_PER_VOXEL)
        seeds = source.seeds if get_array_module(image) is np else to_device(source.seeds)
        with self._lock:
            previous = self._state if self._state_for == key else None
            self._state = None  # growcut takes over its arrays
            result = kernels.growcut(image, seeds, source.spacing_zyx,
                                     float(options["distance_penalty"]), self._margin(options),
                                     previous)
            self._state, self._state_for = result, key
        notes = [f"{result.path} run" + (f" ({result.reason})" if result.reason else "")]
        notes += [str(warning.message) for warning in caught]
        return self._result(source, to_host(result.labels), result.box, "; ".join(notes),
                            exact=True)

    def cancel(self) -> None:
        """Drop the preview and the state; a run still going may store its state after
        this, which is harmless: a continued run checks the seeds it continues from."""
        super().cancel()
        self._state = self._state_for = None
