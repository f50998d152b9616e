"""GrowCut: the labels of the first group are seeds; every voxel of the seeds' box takes
the label of the seed that reaches it at the lowest cost.

The tool stays armed while the user scribbles with the 2D tools: each finished stroke
re-runs it. The exact run continues from the previous result (only what the new seeds
win is visited); a coarse pass on a 2x-downsampled volume answers first, so every
update shows within a second even when a stroke changes a quarter of the volume, and
the exact result replaces it when it lands.

With "Automatic background" (on by default) the user need not scribble the background
all around: the object seeds' surroundings beyond a margin, and voxels whose intensity
is unlike every object stroke's, are background seeds too, GrowCut runs on the image
smoothed by a small Gaussian, and the grown object keeps only its pieces that hold a
scribble, holes filled (see ``demarcate.gpu.scribble_seeds``). One object scribble is
then enough to start. On the real abdominal CT (122x101x30) the simulated user of
``bench.efficiency`` needs 4, 5 and 6 scribbles for Dice 0.90 on liver, spleen and
stomach this way, against more than 12 for GrowCut alone (docs/benchmarks.md).

It works on the region of interest only (a box 70 mm around the object scribbles), and
its preview on that box block-averaged to about a million voxels, like GrowCut's own
coarse pass: implied seeds, smoothing, GrowCut and cleanup all on the coarse grid. The
exact run smooths only the box (kept while later boxes lie inside it) and is a full run
whenever the implied seeds change. On the CT resampled to 300x512x512 with two cores
(``bench.volume_tools``) the first preview shows after 1.1 s and each stroke's after
0.45 s; the exact result follows 2-6 s later (47 s and 3.3 s to a preview before).
"""

from __future__ import annotations

import math
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
#: How many standard deviations the smoothing reaches (scipy's gaussian_filter default).
SMOOTH_TRUNCATE = 4.0


class GrowCutTool(VolumeTool):
    """Seeds from the first group; preview of every seed label's grown region."""

    info = ToolInfo("growcut", "G", "GrowCut: grow the labels of the first group (at least "
                    "two, e.g. object and background) over the image; scribble with the 2D "
                    "tools to correct it", tab="3D", display_name="GrowCut")
    option_specs = (Option("distance_penalty", "Distance penalty", 0.0, 0.0, 100.0),
                    Option("whole_image", "Whole image", False),
                    Option("auto_background", "Automatic background", True),
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
        self._smooth_box: tuple[slice, ...] = ()

    def default_unticked(self, regions: tuple[Region, ...]) -> set[int]:
        """Seed labels named like a background start unticked."""
        return {region.number for region in regions if _is_background(region.name)}

    @staticmethod
    def _checked(source: VolumeSource, automatic: bool) -> str | None:
        if automatic:
            if source.seeds is None or not source.seed_labels:
                return "GrowCut needs a label in the first group to scribble the object with"
            present = distinct_values(source.seeds)  # one pass, no mask of the volume
            if not np.isin(_object_values(source), present).any():
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
        """Region numbers (1..N, in the order of the seed labels) of ``labels`` (the
        label map over ``box``); voxel counts for the exact result only (a pass over the
        box the coarse one skips)."""
        values = [value for value, _, _ in source.seed_labels]
        table = np.zeros(int(max(values)) + 1, dtype=np.uint16)  # labels are seed values
        table[values] = np.arange(1, len(values) + 1)
        regions_box = table[labels]
        counts = (np.bincount(regions_box.reshape(-1), minlength=len(values) + 1) if exact
                  else np.zeros(len(values) + 1, np.int64))
        regions = tuple(Region(k + 1, name, color, int(counts[k + 1]))
                        for k, (_, name, color) in enumerate(source.seed_labels))
        return VolumeResult(VolumePreview(regions_box, box, source.time_step), regions, status,
                            exact=exact)

    def _margin(self, options: dict[str, OptionValue]) -> int | None:
        return None if options["whole_image"] else MARGIN

    @staticmethod
    def _automatic_box(source: VolumeSource, options: dict[str, OptionValue]
                       ) -> tuple[slice, ...]:
        """Where automatic background computes: the region of interest around the object
        scribbles, or the whole image."""
        if options["whole_image"]:
            return tuple(slice(0, n) for n in source.seeds.shape)
        return scribble_seeds.region_of_interest(_object_seeds(source), source.spacing_zyx,
                                                 ROI_MARGIN_MM)

    def _smoothed(self, source: VolumeSource, box: tuple[slice, ...]) -> np.ndarray:
        """The image GrowCut runs on with automatic background, over ``box``. Only the
        box plus the filter's reach is smoothed (equal to smoothing the whole image
        there; the whole 512x512x300 CT took seconds), and kept for the same image and
        time step while the next box lies inside it."""
        key = (source.image_key, source.time_step)
        if self._smooth_for != key or not kernels.box_contains(self._smooth_box, box):
            reach = [math.ceil(SMOOTH_TRUNCATE * SMOOTH_MM / step) + 1
                     for step in source.spacing_zyx]
            padded = tuple(slice(max(0, s.start - r), min(n, s.stop + r))
                           for s, r, n in zip(box, reach, source.image.shape, strict=True))
            smooth = gaussian_smooth(source.image[padded], SMOOTH_MM, source.spacing_zyx)
            inner = tuple(slice(s.start - p.start, s.stop - p.start)
                          for s, p in zip(box, padded, strict=True))
            self._smooth, self._smooth_box = np.ascontiguousarray(smooth[inner]), box
            self._smooth_for = key
        return self._smooth[tuple(slice(s.start - o.start, s.stop - o.start)
                                  for s, o in zip(box, self._smooth_box, strict=True))]

    @staticmethod
    def _with_implied(source: VolumeSource, image: np.ndarray, seeds: np.ndarray,
                      faces: tuple[tuple[bool, bool], ...]) -> tuple[np.ndarray, int]:
        """``seeds`` (a crop, or a coarse grid of one, like ``image``) with the implied
        background added, and the background's label value."""
        whole = tuple(slice(0, n) for n in image.shape)
        implied = scribble_seeds.implied_background(
            image, np.isin(seeds, _object_values(source)), whole, INTENSITY_TOLERANCE, faces)
        background = _background_value(source)
        seeds = seeds.copy()
        seeds[(seeds == 0) & implied] = background
        return seeds, background

    @staticmethod
    def _cleaned(source: VolumeSource, grown, seeds, background: int):
        """With automatic background: each object label keeps its pieces of ``grown``
        that hold a scribble of ``seeds`` (the user's, same shape), holes filled; the
        implied background shows as nothing."""
        xp = get_array_module(grown)
        seeds = seeds if xp is np else to_device(seeds)
        cleaned = xp.where(xp.isin(grown, xp.asarray(_object_values(source))), 0, grown)
        for value in _object_values(source):
            cleaned[scribble_seeds.keep_seeded(grown == value, seeds == value)] = value
        if background not in [value for value, _, _ in source.seed_labels]:
            cleaned[cleaned == background] = 0
        return cleaned

    def compute_coarse(self, source: VolumeSource, options: dict[str, OptionValue],
                       progress: Progress) -> VolumeResult | None:
        """A quick answer at reduced resolution; None when there is nothing to grow."""
        if self._checked(source, bool(options["auto_background"])) is not None:
            return None
        if options["auto_background"]:
            return self._coarse_automatic(source, options)
        margin = self._margin(options)
        if np.count_nonzero(distinct_values(source.seeds)) < 2:
            return None
        labels = kernels.growcut_coarse(source.image, source.seeds, source.spacing_zyx,
                                        float(options["distance_penalty"]), margin)
        box = kernels.growcut_box(source.seeds, margin)
        return self._result(source, labels[box], box, "refining…", exact=False)

    def _coarse_automatic(self, source: VolumeSource, options: dict[str, OptionValue]
                          ) -> VolumeResult | None:
        """Automatic background on the region of interest block-averaged to about a
        million voxels (as GrowCut's own coarse pass): the implied seeds, the smoothing,
        GrowCut and the cleanup all run on the coarse grid, so the preview costs a few
        passes over the box whatever its size; the user's seeds keep their label."""
        box = self._automatic_box(source, options)
        seeds_box = source.seeds[box]
        factors = kernels.coarse_factors(seeds_box.shape)
        spacing = tuple(float(s) * f for s, f in zip(source.spacing_zyx, factors, strict=True))
        image = gaussian_smooth(kernels.coarse_image(source.image[box], factors), SMOOTH_MM,
                                spacing)
        small_seeds = kernels.coarse_seeds(seeds_box, factors)
        seeds, background = self._with_implied(
            source, image, small_seeds, scribble_seeds.inner_faces(box, source.seeds.shape))
        if np.count_nonzero(distinct_values(seeds)) < 2:
            return None
        small = kernels.growcut(image, seeds, spacing, float(options["distance_penalty"])).labels
        small = self._cleaned(source, small, small_seeds, background)
        labels = np.empty_like(seeds_box)
        kernels.upsample_labels(small, seeds_box, factors, labels)
        return self._result(source, labels, box, "refining…", exact=False)

    def _exact_inputs(self, source: VolumeSource, options: dict[str, OptionValue]
                      ) -> tuple[np.ndarray, np.ndarray, int | None, int, tuple[slice, ...]]:
        """Image, seeds, margin, the implied background's label value (0: none) and the
        box the arrays start at: GrowCut alone gets the whole volume and its margin;
        automatic background the smoothed region of interest with its implied seeds."""
        if not options["auto_background"]:
            return source.image, source.seeds, self._margin(options), 0, ()
        box = self._automatic_box(source, options)
        image = self._smoothed(source, box)
        seeds, background = self._with_implied(
            source, image, source.seeds[box], scribble_seeds.inner_faces(box, source.seeds.shape))
        return image, seeds, None, background, box

    def compute(self, source: VolumeSource, options: dict[str, OptionValue],
                progress: Progress) -> VolumeResult:
        automatic = bool(options["auto_background"])
        problem = self._checked(source, automatic)
        if problem is not None:
            return VolumeResult(None, (), problem)
        image, seeds, margin, background, at = self._exact_inputs(source, options)
        if np.count_nonzero(distinct_values(seeds)) < 2:
            return VolumeResult(None, (), "nothing near the object differs from it: "
                                "scribble the background too")
        key = (source.image_key, source.time_step, automatic, at)
        # On the GPU when CuPy is usable and the volume fits; otherwise the CPU, saying so.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            image = device_or_host(image, GPU_BYTES_PER_VOXEL)
        seeds_on = seeds if get_array_module(image) is np else to_device(seeds)
        with self._lock:
            previous = self._state if self._state_for == key else None
            self._state = None  # growcut takes over its arrays
            result = kernels.growcut(image, seeds_on, source.spacing_zyx,
                                     float(options["distance_penalty"]), margin, previous)
            self._state, self._state_for = result, key
            grown = result.labels[result.box]
            labels = self._cleaned(source, grown, source.seeds[at][result.box],
                                   background) if background else grown
        box = tuple(slice(a.start + b.start, a.start + b.stop)
                    for a, b in zip(at, result.box, strict=True)) if at else result.box
        notes = [f"{result.path} run" + (f" ({result.reason})" if result.reason else "")]
        notes += [str(warning.message) for warning in caught]
        return self._result(source, to_host(labels), box, "; ".join(notes), exact=True)

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
