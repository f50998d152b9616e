"""Picking: click islands (6-connected components) of a label in 3D to keep or relabel.

Islands are those of the active label's group (MITK's picking works on the active
layer). As MITK: in Pick mode, Confirm keeps only the picked islands of the active label (every
other voxel of it is removed) and moves picked islands of other, unlocked labels into
it; in Relabel mode the picked islands become the active label whatever their label's
lock, and the rest of the active label stays. A click on a picked island takes it out
again. Each click floods one island (time proportional to the island, not the volume).
"""

from __future__ import annotations

import numpy as np

from ..gpu.backend import bounding_box
from ..gpu.components import component_at
from ..model.document import SegmentationDocument
from ..model.write import MaskRegion, WriteMode
from .base import Option, OptionValue, PointerEvent, ToolContext, ToolInfo, VolumePreview
from .slicing import voxel_of
from .volume import Region, VolumeResult, VolumeTool

PICK, RELABEL = "Pick", "Relabel"


class PickingTool(VolumeTool):
    """Click islands in any view; Confirm keeps (Pick) or relabels (Relabel) them."""

    info = ToolInfo("picking", "K", "Picking: click islands (3D connected parts) to keep "
                    "them (Pick) or give them the active label (Relabel)", tab="3D")
    option_specs = (Option("mode", "Mode", PICK, choices=(PICK, RELABEL)),)
    spans_time_steps = False
    computes = False

    def __init__(self, options: dict[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._picked: np.ndarray | None = None  # (Z, Y, X) bool over the volume
        self._time_step = 0

    def pickable(self, document: SegmentationDocument, value: int) -> str | None:
        """Why an island of ``value`` cannot be picked in this mode (None: it can)."""
        seg = document.segmentation
        active = seg.active_label_value
        if value == 0:
            return "that is unlabeled background: click an island of a label"
        if active is None:
            return "no active label: add or select a label first"
        if self.options["mode"] == PICK and value != active and seg.label(value).locked:
            return (f"'{seg.label(value).name}' is locked: unlock it to pick its islands "
                    "in Pick mode")
        return None

    def press(self, context: ToolContext, event: PointerEvent) -> int:
        """Pick (or, on a picked voxel, unpick) the island under the click."""
        document = context.document
        seg = document.segmentation
        position = event.position
        voxel = voxel_of(position, event.pixel)
        if not all(0 <= v < n for v, n in zip(voxel, seg.shape_zyx, strict=True)):
            return 0
        if self._picked is None or self._time_step != position.time_step:
            self._picked = np.zeros(seg.shape_zyx, dtype=bool)
            self._time_step = position.time_step
        if self._picked[voxel]:
            island = component_at(self._picked, voxel, connectivity=6)
            self._picked &= ~island
        else:
            active = seg.active_label_value
            group = seg.group_index_of(active) if active is not None else 0
            labels = seg.groups[group].array[seg.stored_time_index(position.time_step)]
            refusal = self.pickable(document, int(labels[voxel]))
            if refusal is not None:
                self.status = refusal
                return 0
            self._picked |= component_at(labels, voxel, connectivity=6)
        self._show()
        return 0

    def _show(self) -> None:
        box = bounding_box(self._picked) if self._picked is not None else None
        if box is None:
            self.accept(VolumeResult(None, (), "click islands to pick them"))
            return
        voxels = int(np.count_nonzero(self._picked[box]))
        preview = VolumePreview(self._picked[box].astype(np.uint8), box, self._time_step)
        self.accept(VolumeResult(preview, (Region(1, "Picked islands", None, voxels),),
                                 f"{voxels:,} voxels picked"))

    def cancel(self) -> None:
        super().cancel()
        self._picked = None

    def write(self, document: SegmentationDocument, results: dict[int, VolumeResult]) -> int:
        """Pick: the active label becomes exactly the picked islands; Relabel: the picked
        islands join the active label, locks of their labels notwithstanding."""
        if self._picked is None or not self._picked.any():
            raise ValueError("no island is picked: click islands first")
        seg = document.segmentation
        active = seg.active_label_value
        if active is None:
            raise ValueError("no active label: add or select a label first")
        picked, time_step = self._picked, self._time_step
        changed = 0
        with document.step(f"Picking ({self.options['mode']})"):
            if self.options["mode"] == PICK:
                t_index = seg.stored_time_index(time_step)
                group = seg.groups[seg.group_index_of(active)].array[t_index]
                dropped = (group == active) & ~picked
                box = bounding_box(dropped)
                if box is not None:
                    offset = tuple(s.start for s in box)
                    changed += document.erase(MaskRegion(dropped[box], offset), time_step,
                                              active, description="Picking")
            box = bounding_box(picked)
            offset = tuple(s.start for s in box)
            changed += document.write(MaskRegion(picked[box], offset), time_step, active,
                                      mode=WriteMode.REPLACE,
                                      regard_locks=self.options["mode"] == PICK,
                                      description="Picking")
        self.cancel()
        return changed
