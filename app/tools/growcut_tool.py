"""GrowCut: the labels of the first group are seeds; every voxel of the seeds' box takes
the label of the seed that reaches it at the lowest cost.

The tool stays armed while the user scribbles with the 2D tools: each finished stroke
re-runs it. The exact run continues from the previous result (only what the new seeds
win is visited); a coarse pass on a 2x-downsampled volume answers first, so every
update shows within a second even when a stroke changes a quarter of the volume, and
the exact result replaces it when it lands.

With "Automatic background" the user need not scribble the background all around: the
object seeds' surroundings beyond a margin, and voxels whose intensity is unlike every
object stroke's, are background seeds too, GrowCut runs on the image smoothed by a small
Gaussian, and the grown object keeps only its pieces that hold a scribble, holes filled
(see ``demarcate.gpu.scribble_seeds``). One object scribble is then enough to start. On
the real abdominal CT (122x101x30) the simulated user of ``bench.efficiency`` needs 4,
5 and 6 scribbles for Dice 0.90 on liver, spleen and stomach this way, against more
than 12 for GrowCut alone, with every update under 0.4 s (docs/benchmarks.md). It is
off by default because it is not better everywhere: every update is a full run over a
box 70 mm around the object (the seeds it implies change with each stroke), so on a
512x512x300 CT of 0.3-0.7 mm voxels a stroke takes seconds to tens of seconds, where
GrowCut alone answers within a second.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

from ..gpu import growcut as kernels
from ..gpu import scribble_seeds
from ..gpu.backend import device_or_host, get_array_module, to_device, to_host
from ..gpu.morphology import gaussian_smooth
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
#: Automatic background: the margin around the object seeds (mm), how far outside an
#: object stroke's interquartile range an intensity is background, and the smoothing
#: (mm) of the image GrowCut then runs on. Chosen with bench.efficiency on the real CT
#: (margins 50-100 mm and tolerances 3-15 were tried; 70 and 10 needed the fewest
#: scribbles over liver, spleen and stomach together).
ROI_MARGIN_MM = 70.0
INTENSITY_TOLERANCE = 10.0
SMOOTH_MM = 1.5


class GrowCutTool(VolumeTool):
    """Seeds from the first group; preview of every seed label's grown region."""

    info = ToolInfo("growcut", "G", "GrowCut: grow the labels of the first group (at least "
                    "two, e.g. object and background) over the image; scribble with the 2D "
                    "tools to correct it", tab="3D", display_name="GrowCut")
    option_specs = (Option("distance_penalty", "Distance penalty", 0.0, 0.0, 100.0),
                    Option("whole_image", "Whole image", False),
                    Option("auto_background", "Automatic background", False),
                    TARGET, TIME_STEPS)
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
        self._smooth: np.ndarray | None = None
        self._smooth_for: tuple | None = None

    def default_unticked(self, regions: tuple[Region, ...]) -> set[int]:
        """Seed labels named like a background start unticked."""
        return {region.number for region in regions if _is_background(region.name)}

    @staticmethod
    def _checked(source: VolumeSource, automatic: bool) -> str | None:
        if automatic:
            if source.seeds is None or not source.seed_labels:
                return "GrowCut needs a label in the first group to scribble the object with"
            if not _object_seeds(source).any():
                return "scribble on the object with a label of the first group"
            return None
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

    def _smoothed(self, source: VolumeSource) -> np.ndarray:
        """The image GrowCut runs on with automatic background: smoothed once per image
        and time step (the incremental state is kept for the same array)."""
        key = (source.image_key, source.time_step)
        if self._smooth_for != key:
            self._smooth = gaussian_smooth(source.image, SMOOTH_MM, source.spacing_zyx)
            self._smooth_for = key
        return self._smooth

    def _inputs(self, source: VolumeSource, options: dict[str, OptionValue]
                ) -> tuple[np.ndarray, np.ndarray, int | None, int]:
        """Image, seeds, margin and the implied background's label value (0: none)."""
        margin = self._margin(options)
        if not options["auto_background"]:
            return source.image, source.seeds, margin, 0
        image = self._smoothed(source)
        object_seeds = _object_seeds(source)
        box = (scribble_seeds.region_of_interest(object_seeds, source.spacing_zyx,
                                                 ROI_MARGIN_MM)
               if margin is not None else tuple(slice(0, n) for n in image.shape))
        implied = scribble_seeds.implied_background(image, object_seeds, box,
                                                    INTENSITY_TOLERANCE)
        background = _background_value(source)
        seeds = np.zeros_like(source.seeds)
        seeds[box] = source.seeds[box]
        inside = seeds[box]
        inside[(inside == 0) & implied] = background
        return image, seeds, 0, background

    @staticmethod
    def _cleaned(source: VolumeSource, labels, box: tuple[slice, ...], background: int):
        """With automatic background: each object label keeps its pieces of ``box``
        that hold a scribble, holes filled; the implied background shows as nothing."""
        if not background:
            return labels
        xp = get_array_module(labels)
        seeds = (source.seeds if xp is np else to_device(source.seeds))[box]
        grown = labels[box]
        cleaned = xp.where(xp.isin(grown, xp.asarray(_object_values(source))), 0, grown)
        for value in _object_values(source):
            cleaned[scribble_seeds.keep_seeded(grown == value, seeds == value)] = value
        if background not in [value for value, _, _ in source.seed_labels]:
            cleaned[cleaned == background] = 0
        labels[box] = cleaned
        return labels

    def compute_coarse(self, source: VolumeSource, options: dict[str, OptionValue],
                       progress: Progress) -> VolumeResult | None:
        """A quick answer at half resolution; None when there is nothing to grow."""
        if self._checked(source, bool(options["auto_background"])) is not None:
            return None
        image, seeds, margin, background = self._inputs(source, options)
        if np.count_nonzero(distinct_values(seeds)) < 2:
            return None
        labels = kernels.growcut_coarse(image, seeds, source.spacing_zyx,
                                        float(options["distance_penalty"]), margin)
        box = kernels.growcut_box(seeds, margin)
        return self._result(source, self._cleaned(source, labels, box, background), box,
                            "refining…", exact=False)

    def compute(self, source: VolumeSource, options: dict[str, OptionValue],
                progress: Progress) -> VolumeResult:
        automatic = bool(options["auto_background"])
        problem = self._checked(source, automatic)
        if problem is not None:
            return VolumeResult(None, (), problem)
        key = (source.image_key, source.time_step, automatic)
        image, seeds, margin, background = self._inputs(source, options)
        if np.count_nonzero(distinct_values(seeds)) < 2:
            return VolumeResult(None, (), "nothing near the object differs from it: "
                                "scribble the background too")
        # On the GPU when CuPy is usable and the volume fits; otherwise the CPU, saying so.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            image = device_or_host(image, GPU_BYTES_PER_VOXEL)
        seeds = seeds if get_array_module(image) is np else to_device(seeds)
        with self._lock:
            previous = self._state if self._state_for == key else None
            self._state = None  # growcut takes over its arrays
            result = kernels.growcut(image, seeds, source.spacing_zyx,
                                     float(options["distance_penalty"]), margin, previous)
            self._state, self._state_for = result, key
            labels = self._cleaned(source, result.labels.copy(), result.box, background)
        notes = [f"{result.path} run" + (f" ({result.reason})" if result.reason else "")]
        notes += [str(warning.message) for warning in caught]
        return self._result(source, to_host(labels), result.box, "; ".join(notes), exact=True)

    def cancel(self) -> None:
        """Drop the preview and the state; a run still going may store its state after
        this, which is harmless: a continued run checks the seeds it continues from."""
        super().cancel()
        self._state = self._state_for = None


def _is_background(name: str) -> bool:
    return any(word in name.casefold() for word in BACKGROUND_WORDS)


def _object_values(source: VolumeSource) -> list[int]:
    """Seed labels of the object(s): those not named like a background."""
    return [value for value, name, _ in source.seed_labels if not _is_background(name)]


def _object_seeds(source: VolumeSource) -> np.ndarray:
    return np.isin(source.seeds, _object_values(source))


def _background_value(source: VolumeSource) -> int:
    """The label the implied background joins: the first seed label named like a
    background, else a value no seed label has (shown as nothing)."""
    values = [value for value, name, _ in source.seed_labels if _is_background(name)]
    return values[0] if values else max(value for value, _, _ in source.seed_labels) + 1
