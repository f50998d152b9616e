"""Undo cost on a 512x512x300 segmentation: bytes kept and time spent per change.

Peer: a full copy of the label volume per step (what Slicer's segment editor keeps;
MITK keeps no 3D undo at all). Prints ``case  ours  peer  ratio`` lines; for bytes the
ratio is peer/ours (>1: we keep less).

    python -m bench.undo_memory
"""

from __future__ import annotations

import time

import numpy as np

from demarcate.model import Label, LabelGroup, MaskRegion, Segmentation, SegmentationDocument

SHAPE_ZYX = (300, 512, 512)


def make_document() -> SegmentationDocument:
    seg = Segmentation(SHAPE_ZYX)
    group = LabelGroup("Group 0", seg.new_group_array(), [Label(1, "Liver"), Label(2, "Lesion")])
    seg.groups.append(group)
    seg.active_label_value = 2
    # An existing locked organ the stroke and the 3D change have to respect.
    group.array[0, 100:200, 300:450, 150:350] = 1
    return SegmentationDocument(seg)


def brush_stroke(document: SegmentationDocument, radius_px: int = 20) -> list[float]:
    """A 200-px horizontal stroke of r=20 dabs every 2 px, half of it across the locked
    organ; returns per-dab seconds."""
    yy, xx = np.mgrid[-radius_px : radius_px + 1, -radius_px : radius_px + 1]
    disk = (np.hypot(yy, xx) <= radius_px)[None]
    dab_times = []
    document.begin_stroke("Paint")
    for x in range(100, 300, 2):
        start = time.perf_counter()
        document.write(MaskRegion(disk, (150, 420 - radius_px, x - radius_px)))
        dab_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    document.end_stroke()
    dab_times.append(time.perf_counter() - start)  # commit cost, charged to the last dab
    return dab_times


def full_volume_change(document: SegmentationDocument) -> float:
    """A 3D confirm that replaces the active label in the whole volume (a thresholded ball)."""
    zz, yy, xx = np.ogrid[: SHAPE_ZYX[0], : SHAPE_ZYX[1], : SHAPE_ZYX[2]]
    ball = (zz - 150) ** 2 + (yy - 256) ** 2 + (xx - 256) ** 2 < 120**2
    start = time.perf_counter()
    document.write(MaskRegion.from_full(ball), description="Threshold confirm")
    return time.perf_counter() - start


def main() -> None:
    raw_bytes = int(np.prod(SHAPE_ZYX)) * 2
    document = make_document()
    dabs = brush_stroke(document)
    stroke_bytes = document.history.nbytes
    print(f"{'case':40s} {'ours':>12s} {'peer':>12s} {'ratio':>8s}")
    print(f"{'undo_bytes brush stroke r=20 px':40s} {stroke_bytes:12d} {raw_bytes:12d} "
          f"{raw_bytes / stroke_bytes:8.0f}")
    print(f"{'brush dab median ms (incl. lock+undo)':40s} {np.median(dabs) * 1e3:12.3f}")
    print(f"{'brush dab max ms':40s} {max(dabs) * 1e3:12.3f}")
    before = document.history.nbytes
    elapsed = full_volume_change(document)
    volume_bytes = document.history.nbytes - before
    print(f"{'undo_bytes full-volume change':40s} {volume_bytes:12d} {raw_bytes:12d} "
          f"{raw_bytes / volume_bytes:8.0f}")
    print(f"{'full-volume change % of raw label bytes':40s} "
          f"{100 * volume_bytes / raw_bytes:12.3f}")
    print(f"{'full-volume write+undo record s':40s} {elapsed:12.3f}")
    start = time.perf_counter()
    document.undo()
    print(f"{'undo full-volume change s':40s} {time.perf_counter() - start:12.3f}")


if __name__ == "__main__":
    main()
