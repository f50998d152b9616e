"""What every 3D tool shares: a preview of the whole volume, computed off the UI thread,
that changes nothing until Confirm writes it (one undo step) into new labels or the
active label, for the shown time step or every time step of a 3D+t image.

A 3D tool splits its work in two so the session can run it on the job runner:
``compute`` is a pure function of a ``VolumeSource`` (the image at one time step, the
seeds, where the user looks) and a snapshot of the options, run on a worker thread;
``accept`` takes its ``VolumeResult`` on the UI thread. ``quick`` may answer the slices
in view at once (the three planes through the crosshair), so a slider drag shows on
screen within a frame while the rest of the volume follows from ``compute``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import ndimage

from ..gpu.backend import map_slabs, to_host
from ..model.document import SegmentationDocument
from ..model.geometry import Geometry
from ..model.labels import Color, palette_color
from ..model.write import MaskRegion
from .base import (
    Feedback,
    Option,
    OptionValue,
    PlanesPreview,
    Tool,
    VolumePreview,
)

NEW_LABELS, ACTIVE_LABEL = "New labels", "Active label"
CURRENT_STEP, ALL_STEPS = "This time step", "All time steps"
TARGET = Option("target", "Write into", NEW_LABELS, choices=(NEW_LABELS, ACTIVE_LABEL))
TIME_STEPS = Option("time_steps", "Time steps", CURRENT_STEP, choices=(CURRENT_STEP, ALL_STEPS))

Progress = Callable[[float | None, str | None], None]


@dataclass(frozen=True)
class VolumeSource:
    """What a 3D tool computes from, captured on the UI thread.

    ``image`` is the shown time step of the image (read, never written). ``seeds`` is the
    first group's label array at that time step and ``seed_labels`` its labels' (value,
    name, colour), for GrowCut; ``labels`` maps (value -> locked) for Picking.
    """

    image: np.ndarray
    spacing_zyx: tuple[float, float, float]
    time_step: int
    focus_zyx: tuple[int, int, int] = (0, 0, 0)
    seeds: np.ndarray | None = None
    seed_labels: tuple[tuple[int, str, Color], ...] = ()
    image_key: int = 0  # identifies the image, so state from another image is not reused
    #: More images of the same grid at this time step, as extra input channels (AI).
    channels: tuple[np.ndarray, ...] = ()
    #: Where the grid lies (a model that reorients the image needs it).
    geometry: Geometry | None = None


@dataclass(frozen=True)
class Region:
    """One region of a preview: its number in the preview, a name and colour to show and
    to give a new label, and how many voxels it holds."""

    number: int
    name: str
    color: Color | None = None
    voxels: int = 0


@dataclass(frozen=True)
class Histogram:
    """Counts over equal bins, with the values to mark (slider range, Otsu thresholds)."""

    counts: np.ndarray
    edges: np.ndarray
    markers: tuple[float, ...] = ()


@dataclass
class VolumeResult:
    """A 3D tool's answer for one time step.

    ``exact``: the final answer for these options (False for the quick planes or a
    coarse GrowCut pass, which a later exact result replaces).
    """

    preview: VolumePreview | PlanesPreview | None
    regions: tuple[Region, ...] = ()
    status: str = ""
    exact: bool = True
    histogram: Histogram | None = None


def run_on_backend(kernel: Callable, volume: np.ndarray, bytes_per_voxel: float,
                   halo_z: int = 0) -> tuple[np.ndarray, str]:
    """Run a local ``kernel`` over ``volume`` on the GPU when CuPy is usable (in Z slabs
    that fit in its free memory), else on the CPU; returns the host result and, when it
    had to fall back to the CPU, the reason, which the tool shows instead of crashing
    with an out-of-memory error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        result = map_slabs(kernel, volume, halo_z, bytes_per_voxel)
    return to_host(result), "; ".join(str(warning.message) for warning in caught)


def planes_preview(source: VolumeSource, plane_mask: Callable[[np.ndarray], np.ndarray]
                   ) -> PlanesPreview:
    """A preview of only the three planes through ``source.focus_zyx``, each computed by
    ``plane_mask`` on the image plane: what a user sees first while a slider moves."""
    planes = []
    for axis in range(3):
        index = source.focus_zyx[axis]
        planes.append((axis, index, plane_mask(np.take(source.image, index, axis=axis))))
    return PlanesPreview(tuple(planes), source.image.shape, source.time_step)


class VolumeTool(Tool):
    """Base of the 3D tools: options, the held preview, the ticked regions, and Confirm."""

    #: Keep the preview (and re-run) while the user draws with a 2D tool (GrowCut).
    stays_armed: ClassVar[bool] = False
    #: Re-run when the first group's voxels change (GrowCut's seeds).
    follows_seeds: ClassVar[bool] = False
    #: Whether Confirm can write every time step (Picking acts on what was clicked).
    spans_time_steps: ClassVar[bool] = True
    #: New labels go into a new group (GrowCut: its seeds fill the first group, and the
    #: grown regions would collide with them there).
    new_labels_in_new_group: ClassVar[bool] = False
    #: Whether the preview is computed from the image (Picking's is made by clicks).
    computes: ClassVar[bool] = True
    #: Whether ``compute_coarse`` gives a rough answer worth showing before ``compute``.
    has_coarse: ClassVar[bool] = False
    #: Compute only when the user asks (Run): a run takes minutes (AI), so an option
    #: change must not start one.
    runs_on_request: ClassVar[bool] = False

    def __init__(self, options: dict[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self.result: VolumeResult | None = None
        self.unticked: set[int] = set()  # region numbers the user took out
        self.status = ""
        self._shown: VolumePreview | PlanesPreview | None = None

    # --- what the session calls ----------------------------------------------------------
    def prepare(self, source: VolumeSource) -> None:
        """Initialise option values from the image (histogram); called on the UI thread
        when the tool is armed on an image or time step it has not seen."""

    def quick(self, source: VolumeSource) -> VolumeResult | None:
        """A fast partial answer (the planes in view), or None when the tool has none."""
        return None

    def compute(self, source: VolumeSource, options: dict[str, OptionValue],
                progress: Progress) -> VolumeResult:
        """The exact preview for ``options`` (a snapshot); runs on a worker thread and
        calls ``progress(fraction, message)`` between chunks (a cancel point)."""
        raise NotImplementedError

    def compute_coarse(self, source: VolumeSource, options: dict[str, OptionValue],
                       progress: Progress) -> VolumeResult | None:
        """A rough answer of the whole volume, faster than ``compute`` (worker thread)."""
        return None

    def accept(self, result: VolumeResult) -> None:
        """Show ``result`` (UI thread)."""
        before = [region.number for region in self.regions]
        self.result = result
        self.status = result.status
        if [region.number for region in result.regions] != before:
            self.unticked = self.default_unticked(result.regions)
        self._shown = self._restricted()

    def default_unticked(self, regions: tuple[Region, ...]) -> set[int]:
        """Regions left out of a new result until the user ticks them."""
        return set()

    # --- regions -------------------------------------------------------------------------
    @property
    def regions(self) -> tuple[Region, ...]:
        return self.result.regions if self.result is not None else ()

    def set_ticked(self, number: int, ticked: bool) -> None:
        if ticked:
            self.unticked.discard(number)
        else:
            self.unticked.add(number)
        self._shown = self._restricted()

    def ticked(self) -> list[Region]:
        return [region for region in self.regions if region.number not in self.unticked]

    # --- Tool interface ------------------------------------------------------------------
    def cancel(self) -> None:
        self.result = None
        self.status = ""
        self._shown = None

    def feedback(self) -> Feedback:
        # Confirm is the session's confirm_volume_tool (a job: all time steps may need
        # computing), not a contour's Confirm, so the feedback asks for none.
        return Feedback(preview=self.shown_preview(), preview_colors=self.region_colors())

    def region_colors(self) -> dict[int, tuple[float, float, float]] | None:
        """A colour per region when there are several (a seed label's own, else one of
        the palette), so object and background, or Otsu's classes, read apart."""
        if len(self.regions) <= 1:
            return None
        return {region.number: region.color or palette_color(index)
                for index, region in enumerate(self.regions)}

    def shown_preview(self) -> VolumePreview | PlanesPreview | None:
        """The held preview restricted to the ticked regions (kept, not recomputed per
        frame: restricting a full-volume region map takes a pass over the volume)."""
        return self._shown

    def _restricted(self) -> VolumePreview | PlanesPreview | None:
        if self.result is None or self.result.preview is None:
            return None
        preview = self.result.preview
        if not self.unticked or len(self.regions) <= 1:
            return preview
        return preview.keeping({region.number for region in self.ticked()})

    def write(self, document: SegmentationDocument, results: dict[int, VolumeResult]) -> int:
        """Write the ticked regions of each time step's result as one undo step: one new
        label per region (named by the naming rules, or after the region), or all of them
        into the active label."""
        ticked = self.ticked()
        if not ticked:
            raise ValueError("no region is ticked: tick the regions to keep first")
        changed = 0
        with document.step(self.info.title):
            if self.options.get("target", NEW_LABELS) == NEW_LABELS:
                group = (document.add_group(self.group_name()) if self.new_labels_in_new_group
                         else None)
                targets = {region.number: self._new_label(document, region, group)
                           for region in ticked}
            else:
                active = document.segmentation.active_label_value
                if active is None:
                    raise ValueError("no active label: add or select a label first")
                targets = dict.fromkeys((region.number for region in ticked), active)
            for time_step, result in sorted(results.items()):
                preview = result.preview
                if not isinstance(preview, VolumePreview):
                    continue
                boxes = _region_boxes(preview.regions)
                for value in sorted(set(targets.values())):
                    numbers = [n for n, target in targets.items() if target == value]
                    box = _union([boxes[n] for n in numbers if n in boxes])
                    if box is None:
                        continue
                    mask = np.isin(preview.regions[box], numbers)
                    offset = tuple(s.start + b.start for s, b in zip(preview.box, box,
                                                                      strict=True))
                    changed += document.write(MaskRegion(mask, offset), time_step, value,
                                              description=self.info.title)
        self.cancel()
        return changed

    def group_name(self) -> str:
        """The name of the group that new labels go into when the tool makes one."""
        return self.info.title

    def _new_label(self, document: SegmentationDocument, region: Region,
                   group: int | None) -> int:
        """A new label for ``region`` in ``group`` (None: the active label's group).
        Regions without a colour of their own (Otsu's "Region 2") are named by the
        naming rules; GrowCut's carry their seed label's name and colour."""
        name = region.name if region.color is not None else None
        label = document.add_label(name, region.color, group, make_active=False)
        return label.value


def _region_boxes(regions: np.ndarray) -> dict[int, tuple[slice, slice, slice]]:
    """The bounding box of every region number present, from one pass: each region is
    then written over its own box, not the volume (a model's hundred small organs in a
    512 x 512 x 300 CT cost each a pass over the whole write path otherwise)."""
    numbers = regions.view(np.uint8) if regions.dtype == bool else regions
    return {number: box for number, box in enumerate(ndimage.find_objects(numbers), start=1)
            if box is not None}


def _union(boxes: list[tuple[slice, ...]]) -> tuple[slice, ...] | None:
    """The smallest box holding every box of ``boxes``; None when there are none."""
    if not boxes:
        return None
    return tuple(slice(min(b[k].start for b in boxes), max(b[k].stop for b in boxes))
                 for k in range(len(boxes[0])))
